"""Vietnamese personal names and job titles for demonstration people.

Names are written family name first, then middle name(s), then the given name. Weights are
rough shares in percent; family names lean to central Vietnam (Huỳnh and Võ are as common
there as Hoàng and Vũ are in the north, and Ông is a Quảng Nam name). Middle names differ by
generation: "Văn" and "Thị" dominate among people born before 1990 and are far rarer among
today's students, who more often have a compound middle name ("Nguyễn Ngọc Bảo Trâm").
"""

from __future__ import annotations

FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 30.0),
    ("Trần", 11.0),
    ("Lê", 10.0),
    ("Phạm", 6.0),
    ("Huỳnh", 5.0),
    ("Võ", 5.0),
    ("Phan", 4.5),
    ("Hồ", 2.2),
    ("Đặng", 2.0),
    ("Bùi", 1.8),
    ("Trương", 1.8),
    ("Hoàng", 1.5),
    ("Ngô", 1.5),
    ("Đỗ", 1.4),
    ("Đoàn", 1.2),
    ("Vũ", 1.0),
    ("Dương", 1.0),
    ("Đinh", 0.8),
    ("Lương", 0.7),
    ("Mai", 0.6),
    ("Cao", 0.6),
    ("Lý", 0.5),
    ("Thái", 0.5),
    ("Châu", 0.5),
    ("Lâm", 0.5),
    ("Đào", 0.5),
    ("Hà", 0.4),
    ("Trịnh", 0.4),
    ("Tô", 0.3),
    ("Lưu", 0.3),
    ("Phùng", 0.3),
    ("Thân", 0.3),
    ("Tạ", 0.2),
    ("Kiều", 0.2),
    ("Ông", 0.2),
)

# Middle names by gender and generation ("young": students; "older": working experts).
MIDDLE_NAMES: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {
    ("male", "young"): (
        ("Minh", 12), ("Văn", 8), ("Gia", 8), ("Đức", 8), ("Quốc", 7), ("Hoàng", 6),
        ("Anh", 6), ("Tuấn", 5), ("Thanh", 5), ("Nhật", 5), ("Bảo", 5), ("Hữu", 5),
        ("Quang", 5), ("Công", 4), ("Thành", 4), ("Tấn", 4), ("Khánh", 3), ("Trọng", 3),
        ("Đình", 3), ("Phước", 2), ("Xuân", 2), ("Ngọc", 2),
    ),
    ("male", "older"): (
        ("Văn", 35), ("Đức", 8), ("Hữu", 7), ("Minh", 7), ("Quốc", 6), ("Công", 6),
        ("Thanh", 5), ("Xuân", 5), ("Ngọc", 5), ("Đình", 5), ("Tấn", 5), ("Quang", 4),
        ("Trọng", 3), ("Phước", 3), ("Anh", 3),
    ),
    ("female", "young"): (
        ("Thị", 12), ("Ngọc", 10), ("Bảo", 6), ("Khánh", 6), ("Thanh", 6), ("Thu", 5),
        ("Phương", 5), ("Minh", 5), ("Gia", 5), ("Thùy", 5), ("Hoài", 4), ("Kim", 4),
        ("Mỹ", 4), ("Như", 4), ("Diệu", 3), ("Quỳnh", 3), ("Hà", 3), ("An", 3),
        ("Tường", 2), ("Cẩm", 2),
    ),
    ("female", "older"): (
        ("Thị", 45), ("Ngọc", 8), ("Thanh", 6), ("Thu", 5), ("Kim", 5), ("Mỹ", 4),
        ("Thùy", 4), ("Phương", 4), ("Hồng", 4), ("Hoài", 3), ("Minh", 3), ("Bích", 3),
        ("Diệu", 2), ("Lệ", 2),
    ),
}  # fmt: skip

GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "male": (
        "An", "Bảo", "Bình", "Công", "Cường", "Danh", "Duy", "Dũng", "Đạt", "Đức", "Hải",
        "Hào", "Hiếu", "Hoàng", "Huy", "Hùng", "Khang", "Khánh", "Khoa", "Khôi", "Kiên",
        "Lâm", "Long", "Lộc", "Luân", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong",
        "Phúc", "Quang", "Quân", "Sang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thiện",
        "Thịnh", "Tiến", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
    ),
    "female": (
        "An", "Anh", "Ánh", "Châu", "Chi", "Diễm", "Dung", "Duyên", "Giang", "Hà", "Hạnh",
        "Hằng", "Hân", "Hiền", "Hoa", "Hồng", "Huyền", "Hương", "Khánh", "Lan", "Linh",
        "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương",
        "Quyên", "Quỳnh", "Tâm", "Thảo", "Thủy", "Thư", "Trang", "Trâm", "Uyên", "Vân",
        "Vy", "Xuân", "Yến",
    ),
}  # fmt: skip

# Compound middle names ("Lê Hoàng Gia Huy", "Nguyễn Ngọc Bảo Trâm", "Đặng Thị Mỹ Dung") and
# the share of people who have one.
COMPOUND_MIDDLE_NAMES: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {
    ("male", "young"): (
        ("Hoàng Gia", 3), ("Hoàng Minh", 3), ("Minh Đăng", 2), ("Đức Minh", 2), ("Văn Minh", 1),
    ),
    ("male", "older"): (("Văn Minh", 1),),
    ("female", "young"): (
        ("Thị Thu", 3), ("Thị Ngọc", 3), ("Ngọc Bảo", 3), ("Thị Mỹ", 2), ("Thị Thanh", 2),
        ("Ngọc Khánh", 2), ("Hoàng Bảo", 2), ("Ngọc Phương", 2), ("Thị Kim", 1), ("Thị Hoài", 1),
    ),
    ("female", "older"): (
        ("Thị Thu", 3), ("Thị Ngọc", 3), ("Thị Mỹ", 2), ("Thị Kim", 2), ("Thị Thanh", 2),
        ("Thị Hồng", 1), ("Thị Bích", 1), ("Thị Diệu", 1),
    ),
}  # fmt: skip
COMPOUND_MIDDLE_SHARE: dict[tuple[str, str], float] = {
    ("male", "young"): 0.12,
    ("male", "older"): 0.02,
    ("female", "young"): 0.25,
    ("female", "older"): 0.2,
}

# Mobile prefixes common in Đà Nẵng and Quảng Nam (MobiFone 0905/0935, VinaPhone 0914/0945,
# Viettel 0975/0983…): four digits, then six more.
PHONE_PREFIXES: tuple[str, ...] = (
    "0905", "0935", "0906", "0914", "0913", "0945", "0975", "0983", "0988", "0965",
)  # fmt: skip

# Job titles of experts, by the kind (level code) of the organisation they work at.
EXPERT_TITLES: dict[str, tuple[str, ...]] = {
    "university": (
        "Giảng viên",
        "Giảng viên chính",
        "Trưởng khoa",
        "Phó Trưởng khoa",
        "Tiến sĩ, Giảng viên",
        "Phó Giáo sư, Tiến sĩ",
    ),
    "agency": (
        "Trưởng phòng",
        "Phó Trưởng phòng",
        "Chuyên viên chính",
        "Chuyên viên",
    ),
    "enterprise": (
        "Giám đốc",
        "Giám đốc điều hành",
        "Nhà sáng lập",
        "Trưởng phòng Kinh doanh",
        "Kế toán trưởng",
        "Chuyên gia tư vấn",
    ),
    "cooperative": (
        "Giám đốc hợp tác xã",
        "Phó Giám đốc hợp tác xã",
        "Kỹ sư nông nghiệp",
    ),
}
