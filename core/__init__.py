"""Platform infrastructure that both apps (`tenants`, `embed`) use."""
