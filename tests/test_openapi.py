import pytest

pytestmark = pytest.mark.django_db


def test_the_tenant_host_publishes_the_widget_api_schema(client_for, alpha):
    response = client_for(alpha).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/thread",
        "/api/v1/thread/me",
        "/api/v1/comments",
        "/api/v1/comments/{id}",
        "/api/v1/comments/{id}/vote",
        "/api/v1/comments/{id}/flag",
        "/api/v1/counts",
    ):
        assert path in paths, path


def test_the_docs_page_uses_local_assets(client_for, alpha):
    response = client_for(alpha).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_the_platform_host_documents_signup(public_client):
    response = public_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert "/api/v1/sites" in response.json()["paths"]
