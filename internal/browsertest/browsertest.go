// Package browsertest drives headless Chromium for the browser tests of
// the editors' page and the reader pages: it finds the browser (never
// skipping: without one a test fails and says how to get one), starts it
// with a private profile, and gives the steps those tests are written in,
// each failing the test with the step's name.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium with one tab, stopped when the test
// ends.
type Browser struct {
	t   testing.TB
	Tab context.Context // the tab, for chromedp calls of a test's own
	Out string          // where screenshots go (Artifacts)
}

// Open starts the browser; every step together must end within timeout.
func Open(t testing.TB, timeout time.Duration) *Browser {
	t.Helper()
	bin := Chromium(t)
	out := Artifacts(t)
	profile := t.TempDir() // before the browser, so it is removed after it stops
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc) // stops the browser and waits for it
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelTab)
	tab, cancel := context.WithTimeout(tab, timeout)
	t.Cleanup(cancel)
	return &Browser{t: t, Tab: tab, Out: out}
}

// Do runs actions as one step.
func (b *Browser) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Tab, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// Text returns the trimmed text of the element sel selects.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.Tab, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Exists evaluates a boolean JavaScript expression in the page.
func (b *Browser) Exists(js string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.Tab, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return ok
}

// Submit clicks a button that posts a form and waits for the page the
// redirect leads to.
func (b *Browser) Submit(step, sel string) {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.Tab, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
	b.t.Logf("%s: %d %s", step, res.Status, res.URL)
}

// Shot saves a full-page screenshot as name in Artifacts.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.Tab, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.Out, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// Chromium finds the browser: $SYNDICATE_CHROMIUM, else chromium or
// Chrome on PATH. It never skips.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SYNDICATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium is required for this test and was not found (chromium, chromium-browser or google-chrome on PATH, or SYNDICATE_CHROMIUM): " +
		"run `make test`, which installs Debian's chromium package through scripts/deps.sh, or `apt-get install chromium`")
	return ""
}

// Artifacts is where screenshots go: $SYNDICATE_TEST_ARTIFACTS, else a
// temporary directory.
func Artifacts(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SYNDICATE_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
