package config_test

import (
	"strings"
	"testing"

	"syndicate/config"
)

// TestLoad_SilentBreakage: values that would load and then quietly do
// nothing are errors with their line.
func TestLoad_SilentBreakage(t *testing.T) {
	runProblemCases(t, []problemCase{
		{name: "HoneypotIsEmail", yaml: "comments:\n  honeypot: email\n", line: 2, path: "comments.honeypot", msg: `"email" is the name of a real comment field`},
		{name: "HoneypotIsBodyAnyCase", yaml: "comments:\n  honeypot: Body\n", line: 2, path: "comments.honeypot", msg: "real comment field"},
		{name: "HoneypotIsRedirect", yaml: "comments:\n  honeypot: redirect\n", line: 2, path: "comments.honeypot", msg: "real comment field"},
		{name: "ScheduleNeverFires", yaml: "sources:" + source("a") + "\n    schedule: \"0 0 30 2 *\"\n", line: 6, path: "sources[0].schedule", msg: "never fires"},
		{name: "DefaultScheduleNeverFires", yaml: "ingest:\n  default_schedule: \"0 0 31 4 *\"\n", line: 2, path: "ingest.default_schedule", msg: "never fires"},
		{name: "SecondDocument", yaml: "listen: \":8080\"\n---\nlisten: \":9090\"\n", line: 2, path: "", msg: "a second YAML document"},
		{name: "TrailingSeparator", yaml: "listen: \":8080\"\n---\n", line: 2, path: "", msg: "a second YAML document"},
	})
	// Rare but real schedules still load.
	for _, spec := range []string{"0 0 29 2 *", "0 0 31 * *", "@every 15m", "0 9 * * 1"} {
		MustLoad(t, "ingest:\n  default_schedule: \""+spec+"\"\n", nil)
	}
	// The honeypot's own name is fine.
	MustLoad(t, "comments:\n  honeypot: website_2\n", nil)
}

func TestCheckSchedule(t *testing.T) {
	if err := config.CheckSchedule("0 0 30 2 *"); err == nil || !strings.Contains(err.Error(), "never fires") {
		t.Errorf("30 February = %v", err)
	}
	if err := config.CheckSchedule("61 * * * *"); err == nil {
		t.Error("a bad spec passed")
	}
	if err := config.CheckSchedule("*/10 * * * *"); err != nil {
		t.Error(err)
	}
}

// TestUnknownEnv: a SYNDICATE_* variable Load does not read is reported
// (with the nearest real name), never with its value.
func TestUnknownEnv(t *testing.T) {
	got := config.UnknownEnv([]string{
		"SYNDICATE_STORE_REDIS_URLL=redis://:hunter2@x:6379", // typo
		"SYNDICATE_STORE_REDIS_URL=redis://x:6379",           // known
		"SYNDICATE_REDIS_URL=redis://x",                      // alias
		"SYNDICATE_ADMIN_TOKEN=x",                            // known
		"SYNDICATE_SOURCES=x",                                // not settable from the environment
		"SYNDICATE_TEST_REDIS_URL=redis://x",                 // the test suite's
		"HOME=/root",
		"SYNDICATE_NOPE",
	})
	want := []string{
		"env SYNDICATE_NOPE: unknown variable, ignored",
		"env SYNDICATE_SOURCES: unknown variable, ignored",
		"env SYNDICATE_STORE_REDIS_URLL: unknown variable, ignored (did you mean SYNDICATE_STORE_REDIS_URL?)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range got {
		if strings.Contains(w, "hunter2") {
			t.Errorf("a value is shown: %s", w)
		}
	}
	known := config.KnownEnv()
	for _, n := range []string{"SYNDICATE_LISTEN", "SYNDICATE_INGEST_RETENTION_MAX_AGE", "SYNDICATE_COMMENTS_HONEYPOT", "SYNDICATE_DATA_DIR"} {
		found := false
		for _, k := range known {
			found = found || k == n
		}
		if !found {
			t.Errorf("KnownEnv lacks %s", n)
		}
	}
}

// TestLoad_RedisTopologies: store.redis_url is checked as the store reads
// it, so Sentinel and Cluster URLs load.
func TestLoad_RedisTopologies(t *testing.T) {
	for _, u := range []string{
		"redis://127.0.0.1:6379/0",
		"redis://127.0.0.1:7000,127.0.0.1:7001",
		"redis://:pw@127.0.0.1:26379/0?master_name=mymaster",
		"redis://127.0.0.1:26379,127.0.0.1:26380/2?master_name=mymaster",
	} {
		cfg := MustLoad(t, "store:\n  redis_url: \""+u+"\"\n", nil)
		if cfg.Store.RedisURL != u {
			t.Errorf("redis_url = %q", cfg.Store.RedisURL)
		}
	}
	runProblemCases(t, []problemCase{
		{name: "SentinelBadOption", yaml: "store:\n  redis_url: \"redis://127.0.0.1:26379/0?master_name=m&colour=red\"\n", line: 2, path: "store.redis_url", msg: "colour"},
		{name: "ClusterDB", yaml: "store:\n  redis_url: \"redis://127.0.0.1:7000,127.0.0.1:7001/3\"\n", line: 2, path: "store.redis_url", msg: "database 0"},
	})
}

// TestRedacted_FeedKey: the effective configuration never prints a
// source's API key or password.
func TestRedacted_FeedKey(t *testing.T) {
	cfg := MustLoad(t, "sources:\n  - id: a\n    name: A\n    url: \"https://u:hunter2@a.example/feed?api_key=K3Y-hunter3\"\n", nil)
	out := cfg.Redacted()
	if strings.Contains(out, "hunter2") || strings.Contains(out, "hunter3") || !strings.Contains(out, "api_key=xxxxx") {
		t.Errorf("Redacted() shows a secret:\n%s", out)
	}
}
