"""The doors other systems use: an HTTP API (regkb.service.http) and an MCP server
(regkb.service.mcp_server). Both call the same Engine; the JSON shapes they share live in
regkb.service.shapes. Each door's SDK is imported only in its own module.
"""
