package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// /metrics names every source and route: it is served to the addresses of
// http.metrics_from (loopback by default) and to admin tokens, not to the
// public. Behind a trusted proxy the forwarded client address decides.
func TestMetrics_OnlyFromAllowedAddressesOrWithAToken(t *testing.T) {
	p := partner(t)
	cfg, _ := writeConfig(t, p.URL+"/feed/", "")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append([]byte("admin:\n  tokens: [{name: ops, token: \"tok-123456-0123456\"}]\nhttp:\n  trusted_proxies: [\"127.0.0.1\"]\n"), raw...), 0o644)
	base, _, _ := startServe(t, cfg)
	tests := []struct {
		name       string
		forwarded  string // X-Forwarded-For, from the trusted proxy
		token      string
		wantStatus int
	}{
		{"Loopback", "", "", 200},
		{"ForwardedLoopback", "127.0.0.1", "", 200},
		{"ForwardedPublic", "203.0.113.9", "", 403},
		{"ForwardedPublicWithToken", "203.0.113.9", "tok-123456-0123456", 200},
		{"ForwardedPublicWrongToken", "203.0.113.9", "not-the-token-000000", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+"/metrics", nil)
			if tt.forwarded != "" {
				req.Header.Set("X-Forwarded-For", tt.forwarded)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			metrics := strings.Contains(string(body), "syndicate_feed_cache_hits_total")
			if metrics != (tt.wantStatus == 200) {
				t.Errorf("status %d with metrics %v: %.200s", resp.StatusCode, metrics, body)
			}
			if tt.wantStatus == 403 && !strings.Contains(string(body), "http.metrics_from") {
				t.Errorf("the refusal does not say what allows it: %s", body)
			}
		})
	}
}
