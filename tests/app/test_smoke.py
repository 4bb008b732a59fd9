from tests.helpers import login


def test_home_page_is_vietnamese(client):
    page = client.get("/").get_data(as_text=True)
    assert "Đăng nhập" in page or "Sign in" in page


def test_login_dashboard(client, factory):
    user = factory.user(full_name="Trần Thị Bình")
    response = login(client, user.email)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
