// Package jsonhttp writes the JSON responses of Syndicate's APIs: one
// place for their headers. Error bodies are written by internal/httperr.
package jsonhttp

import (
	"encoding/json"
	"net/http"
)

// Write sends v as indented JSON with status code, never cached.
func Write(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
