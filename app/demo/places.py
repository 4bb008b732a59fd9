"""The unit tree, unit levels and expertise tags of the demonstration programme.

Since 1 July 2025 Vietnam has two tiers of local government: Quảng Nam was merged into
Đà Nẵng, and districts (huyện) no longer exist. The current tree is the enlarged city,
its clusters of communes and wards, and the schools and organisations inside them; the
historical tree keeps Quảng Nam province and a few of its old districts so that earlier
editions still show where they were held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MERGER_DATE = date(2025, 7, 1)


@dataclass(frozen=True)
class LevelSpec:
    code: str
    name_vi: str
    name_en: str
    rank: int
    is_organisation: bool = False


LEVELS: tuple[LevelSpec, ...] = (
    LevelSpec("municipality", "Thành phố trực thuộc trung ương", "Municipality", 0),
    LevelSpec("province", "Tỉnh", "Province", 0),
    LevelSpec("district", "Huyện (trước 01/07/2025)", "District (before 1 July 2025)", 1),
    LevelSpec("cluster", "Cụm xã, phường", "Cluster of communes", 1),
    LevelSpec("commune", "Xã", "Commune", 2),
    LevelSpec("ward", "Phường", "Ward", 2),
    LevelSpec("special_zone", "Đặc khu", "Special zone", 2),
    LevelSpec("high_school", "Trường THPT", "High school", 3, True),
    LevelSpec("lower_secondary", "Trường THCS", "Lower secondary school", 3, True),
    LevelSpec("university", "Trường đại học, cao đẳng", "University or college", 3, True),
    LevelSpec("agency", "Cơ quan, tổ chức", "Agency or organisation", 3, True),
    LevelSpec("enterprise", "Doanh nghiệp", "Enterprise", 3, True),
    LevelSpec("cooperative", "Hợp tác xã", "Cooperative", 3, True),
)


@dataclass(frozen=True)
class PlaceSpec:
    """A commune, ward or special zone and the organisations located in it."""

    level: str
    name: str
    organisations: tuple[tuple[str, str], ...] = field(default=())  # (level code, name)


CITY_NAME = "Thành phố Đà Nẵng"
CITY_CODE = "48"
CITY_DEPARTMENT = "Sở Khoa học và Công nghệ thành phố Đà Nẵng"
STARTUP_CENTRE = "Trung tâm Hỗ trợ khởi nghiệp sáng tạo"
TAM_KY_CLUSTER = "Cụm Tam Kỳ"
WOMEN_UNION = "Hội Liên hiệp Phụ nữ thành phố Đà Nẵng"

CLUSTERS: dict[str, tuple[PlaceSpec, ...]] = {
    "Cụm Hải Châu – Sơn Trà": (
        PlaceSpec(
            "ward",
            "Phường Hải Châu",
            (
                ("high_school", "Trường THPT Phan Châu Trinh"),
                ("lower_secondary", "Trường THCS Nguyễn Khuyến"),
                ("university", "Đại học Đà Nẵng"),
                ("agency", CITY_DEPARTMENT),
                ("agency", "Thành đoàn Đà Nẵng"),
                ("agency", WOMEN_UNION),
                ("agency", "Hội Nông dân thành phố Đà Nẵng"),
                ("enterprise", "Công ty Luật TNHH Minh Tín"),
            ),
        ),
        PlaceSpec("ward", "Phường Thanh Khê", (("high_school", "Trường THPT Thái Phiên"),)),
        PlaceSpec(
            "ward",
            "Phường Sơn Trà",
            (
                ("high_school", "Trường THPT chuyên Lê Quý Đôn"),
                ("enterprise", "Công ty Cổ phần Công nghệ Biển Xanh"),
            ),
        ),
        PlaceSpec("ward", "Phường Ngũ Hành Sơn"),
        PlaceSpec("ward", "Phường Liên Chiểu", (("high_school", "Trường THPT Nguyễn Trãi"),)),
        PlaceSpec("ward", "Phường Cẩm Lệ"),
        PlaceSpec("commune", "Xã Hòa Vang", (("high_school", "Trường THPT Phan Thành Tài"),)),
    ),
    "Cụm Hội An – Điện Bàn": (
        PlaceSpec(
            "ward",
            "Phường Hội An",
            (
                ("high_school", "Trường THPT Trần Quý Cáp"),
                ("university", "Trường Đại học Phan Châu Trinh"),
                ("enterprise", "Công ty TNHH Du lịch Phố Hội Xanh"),
            ),
        ),
        PlaceSpec("ward", "Phường Hội An Tây", (("cooperative", "Hợp tác xã Rau hữu cơ Trà Quế"),)),
        PlaceSpec("ward", "Phường Điện Bàn", (("high_school", "Trường THPT Nguyễn Duy Hiệu"),)),
        PlaceSpec("ward", "Phường Điện Bàn Bắc", (("high_school", "Trường THPT Hoàng Diệu"),)),
        PlaceSpec("commune", "Xã Nam Phước"),
        PlaceSpec("commune", "Xã Tân Hiệp"),
    ),
    TAM_KY_CLUSTER: (
        PlaceSpec(
            "ward",
            "Phường Tam Kỳ",
            (
                ("high_school", "Trường THPT chuyên Nguyễn Bỉnh Khiêm"),
                ("high_school", "Trường THPT Trần Cao Vân"),
                ("lower_secondary", "Trường THCS Lý Tự Trọng"),
                ("university", "Trường Đại học Quảng Nam"),
                ("agency", STARTUP_CENTRE),
                ("enterprise", "Công ty TNHH Thực phẩm Sạch Tam Kỳ"),
            ),
        ),
        PlaceSpec(
            "ward",
            "Phường Bàn Thạch",
            (
                ("high_school", "Trường THPT Lê Quý Đôn"),
                ("university", "Trường Cao đẳng Quảng Nam"),
            ),
        ),
        PlaceSpec("ward", "Phường Quảng Phú", (("high_school", "Trường THPT Huỳnh Thúc Kháng"),)),
        PlaceSpec("commune", "Xã Phú Ninh"),
        PlaceSpec(
            "commune",
            "Xã Thăng Bình",
            (
                ("high_school", "Trường THPT Tiểu La"),
                ("lower_secondary", "Trường THCS Nguyễn Đình Chiểu"),
                ("cooperative", "Hợp tác xã Nông nghiệp Thăng Bình"),
            ),
        ),
        PlaceSpec("commune", "Xã Núi Thành", (("high_school", "Trường THPT Núi Thành"),)),
    ),
    "Cụm miền núi phía Tây": (
        PlaceSpec("commune", "Xã Đại Lộc", (("high_school", "Trường THPT Lương Thúc Kỳ"),)),
        PlaceSpec("commune", "Xã Nam Giang"),
        PlaceSpec("commune", "Xã Thạnh Mỹ", (("high_school", "Trường THPT Nam Giang"),)),
        PlaceSpec("commune", "Xã Khâm Đức"),
        PlaceSpec("commune", "Xã Trà My", (("high_school", "Trường THPT Bắc Trà My"),)),
        PlaceSpec(
            "commune",
            "Xã Nam Trà My",
            (("cooperative", "Hợp tác xã Dược liệu Sâm Ngọc Linh Nam Trà My"),),
        ),
        PlaceSpec("commune", "Xã Hiệp Đức"),
    ),
}

# Directly under the city, outside every cluster.
SPECIAL_ZONES: tuple[str, ...] = ("Đặc khu Hoàng Sa",)

# The historical tree: everything here ended on MERGER_DATE.
OLD_PROVINCE_NAME = "Tỉnh Quảng Nam"
OLD_PROVINCE_CODE = "49"
OLD_PROVINCE_FROM = date(1997, 1, 1)  # re-established when Quảng Nam – Đà Nẵng was split
OLD_PROVINCE_SEAT = "Thành phố Tam Kỳ"
OLD_DISTRICTS: tuple[str, ...] = (
    OLD_PROVINCE_SEAT,
    "Thị xã Điện Bàn",
    "Huyện Thăng Bình",
    "Huyện Núi Thành",
    "Huyện Nam Giang",
)
OLD_DEPARTMENT = "Sở Khoa học và Công nghệ tỉnh Quảng Nam"


@dataclass(frozen=True)
class TagSpec:
    code: str
    name_vi: str
    name_en: str


EXPERTISE_TAGS: tuple[TagSpec, ...] = (
    TagSpec("finance", "Tài chính", "Finance"),
    TagSpec("marketing", "Marketing", "Marketing"),
    TagSpec("technology", "Công nghệ", "Technology"),
    TagSpec("legal", "Pháp lý", "Legal"),
    TagSpec("fundraising", "Gọi vốn", "Fundraising"),
    TagSpec("production", "Sản xuất", "Production"),
    TagSpec("export", "Xuất khẩu", "Export"),
    TagSpec("agriculture", "Nông nghiệp", "Agriculture"),
    TagSpec("tourism", "Du lịch", "Tourism"),
    TagSpec("education", "Giáo dục", "Education"),
    TagSpec("health", "Y tế", "Health"),
    TagSpec("environment", "Môi trường", "Environment"),
    TagSpec("design", "Thiết kế sản phẩm", "Product design"),
    TagSpec("management", "Quản trị doanh nghiệp", "Business management"),
)

# What an expert from these organisations always knows about, besides their other fields.
ORGANISATION_FOCUS: dict[str, str] = {
    "Công ty Luật TNHH Minh Tín": "legal",
    "Công ty Cổ phần Công nghệ Biển Xanh": "technology",
    "Công ty TNHH Du lịch Phố Hội Xanh": "tourism",
    "Công ty TNHH Thực phẩm Sạch Tam Kỳ": "production",
    "Hợp tác xã Rau hữu cơ Trà Quế": "agriculture",
    "Hợp tác xã Nông nghiệp Thăng Bình": "agriculture",
    "Hợp tác xã Dược liệu Sâm Ngọc Linh Nam Trà My": "agriculture",
    "Hội Nông dân thành phố Đà Nẵng": "agriculture",
    STARTUP_CENTRE: "fundraising",
}

# Titles that fit one organisation better than its kind's (see names.EXPERT_TITLES).
ORGANISATION_TITLES: dict[str, tuple[str, ...]] = {
    "Công ty Luật TNHH Minh Tín": ("Luật sư", "Luật sư điều hành"),
    "Trường Cao đẳng Quảng Nam": ("Giảng viên", "Giảng viên chính", "Thạc sĩ, Giảng viên"),
    CITY_DEPARTMENT: ("Phó Giám đốc Sở", "Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên chính"),
    STARTUP_CENTRE: ("Giám đốc Trung tâm", "Phó Giám đốc Trung tâm", "Chuyên gia tư vấn"),
    "Thành đoàn Đà Nẵng": ("Phó Bí thư Thành đoàn", "Trưởng ban", "Chuyên viên"),
    WOMEN_UNION: ("Phó Chủ tịch Hội", "Trưởng ban", "Chuyên viên"),
    "Hội Nông dân thành phố Đà Nẵng": ("Phó Chủ tịch Hội", "Trưởng ban", "Chuyên viên"),
}

# Organisations whose members are all of one gender.
ORGANISATION_GENDER: dict[str, str] = {WOMEN_UNION: "female"}
