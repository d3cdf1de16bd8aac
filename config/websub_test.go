package config_test

import (
	"testing"

	"syndicate/config"
)

func TestLoad_WebSubProblems(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "Subscribe", yaml: "websub:\n  subscribe: \"sometimes\"\n", line: 2, path: "websub.subscribe", msg: "true, false or auto"},
		{name: "FallbackSchedule", yaml: "websub:\n  fallback_schedule: \"@every 1ms\"\n", line: 2, path: "websub.fallback_schedule", msg: "minimum"},
	})
}

func TestWebSub_SubscribeOn(t *testing.T) {
	tests := []struct {
		subscribe, baseURL string
		want               bool
	}{
		{"auto", "https://news.example", true},
		{"auto", "http://localhost:8080", false},
		{"auto", "http://app.localhost", false},
		{"auto", "http://127.0.0.1:8080", false},
		{"auto", "http://[::1]:8080", false},
		{"auto", "http://10.0.0.5:8080", true}, // a hub inside the network can reach it
		{"", "https://news.example", true},
		{"true", "http://localhost:8080", true},
		{"off", "https://news.example", false},
	}
	for _, tt := range tests {
		if got := (config.WebSub{Subscribe: tt.subscribe}).SubscribeOn(tt.baseURL); got != tt.want {
			t.Errorf("subscribe %q at %s = %v, want %v", tt.subscribe, tt.baseURL, got, tt.want)
		}
	}
	cfg, err := config.Load("", func(k string) (string, bool) {
		v, ok := map[string]string{"SYNDICATE_WEBSUB_SUBSCRIBE": "false", "SYNDICATE_WEBSUB_FALLBACK_SCHEDULE": "@every 2h"}[k]
		return v, ok
	})
	if err != nil || cfg.WebSub.Subscribe != "false" || cfg.WebSub.FallbackSchedule != "@every 2h" {
		t.Fatalf("env overrides: %+v, %v", cfg, err)
	}
	if d := config.Default().WebSub; d.Subscribe != "auto" || d.FallbackSchedule != "@every 1h" {
		t.Errorf("defaults = %+v", d)
	}
}
