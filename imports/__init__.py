"""The one streaming CSV/XLSX import engine shared by opt-outs and contacts."""
