package normalize_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"syndicate/ingest/normalize"
)

func TestFileCommentFeed(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "partners")
	for _, d := range []string{filepath.Join(dir, "comments"), filepath.Join(root, "secret")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(dir, "comments", "a.atom"), filepath.Join(root, "secret", "x.atom")} {
		if err := os.WriteFile(f, []byte("<feed/>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "secret"), filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	src := "file:" + filepath.Join(dir, "feed.atom")
	for _, tc := range []struct {
		name, source, link, want, err string
	}{
		{"Relative", src, "file:comments/a.atom", "file:" + filepath.Join(dir, "comments", "a.atom"), ""},
		{"AbsoluteInside", src, "file://" + filepath.Join(dir, "comments", "a.atom"), "file:" + filepath.Join(dir, "comments", "a.atom"), ""},
		{"DotDot", src, "file:../secret/x.atom", "", "outside"},
		{"AbsoluteOutside", src, "file:" + filepath.Join(root, "secret", "x.atom"), "", "outside"},
		{"Symlink", src, "file:out/x.atom", "", "links out"},
		{"HTTPSource", "https://partner.example/feed", "file:comments/a.atom", "", "only a file: source"},
		{"HTTPLink", src, "https://partner.example/c.atom", "", "only a file: source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalize.FileCommentFeed(tc.source, tc.link)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("FileCommentFeed = %q, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("FileCommentFeed = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
