package main

import (
	"strings"
	"testing"
)

// TestCheckConfig_UnknownEnv: check-config warns about a SYNDICATE_*
// variable it does not read (and still passes: it is a warning).
func TestCheckConfig_UnknownEnv(t *testing.T) {
	m, out, errb := testMain(nil)
	m.Environ = func() []string { return []string{"SYNDICATE_LISTN=:9090", "SYNDICATE_LISTEN=:8080", "PATH=/bin"} }
	if code := m.Run(t.Context(), []string{"check-config", "--config", "../../examples/demo.yaml"}); code != 0 || !strings.Contains(out.String(), "ok:") {
		t.Fatalf("exit %d, %q %q", code, out.String(), errb.String())
	}
	if want := "warning: env SYNDICATE_LISTN: unknown variable, ignored (did you mean SYNDICATE_LISTEN?)"; !strings.Contains(errb.String(), want) || strings.Count(errb.String(), "warning:") != 1 {
		t.Errorf("stderr = %q, want one warning %q", errb.String(), want)
	}
}
