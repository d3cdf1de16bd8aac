// Package jsonhttp writes the JSON responses of Syndicate's APIs (one
// place for their headers) and checks request bodies for what
// encoding/json lets pass. Error bodies are written by internal/httperr.
package jsonhttp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
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

// DuplicateKey returns the path of the first key that appears twice in one
// object of the JSON text data ("name", "sources[2].id"), or "" when no
// key does. encoding/json keeps the last of them without a word, while
// another reader of the same request (a proxy, an audit of the raw body)
// may take the first: an API refuses the request instead of guessing.
// data should be JSON that decodes (the decoder bounds its nesting).
func DuplicateKey(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dup, _ := duplicateIn(dec, "")
	return dup
}

// duplicateIn reads one value from dec and returns the path of the first
// repeated key inside it.
func duplicateIn(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", err
			}
			k, _ := kt.(string)
			p := k
			if path != "" {
				p = path + "." + k
			}
			if seen[k] {
				return p, nil
			}
			seen[k] = true
			if dup, err := duplicateIn(dec, p); dup != "" || err != nil {
				return dup, err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if dup, err := duplicateIn(dec, path+"["+strconv.Itoa(i)+"]"); dup != "" || err != nil {
				return dup, err
			}
		}
	default:
		return "", nil // a scalar
	}
	_, err = dec.Token() // the closing delimiter
	return "", err
}
