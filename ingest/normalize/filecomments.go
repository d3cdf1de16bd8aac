package normalize

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"syndicate"
)

// FileCommentFeed resolves the file: comment-feed link of a file: source
// (an offline demo's partner comment feeds). It is the one place a file:
// URL found in content is followed, and only inside the source file's own
// directory: relative to it, never out of it with "..", an absolute path
// or a symlink. It returns an absolute file: URL.
func FileCommentFeed(sourceURL, link string) (string, error) {
	if !syndicate.IsFileURL(sourceURL) || !syndicate.IsFileURL(link) {
		return "", errors.New("only a file: source may link file: comment feeds")
	}
	dir, err := filepath.Abs(filepath.Dir(syndicate.FilePath(sourceURL)))
	if err != nil {
		return "", err
	}
	p := syndicate.FilePath(link)
	if p == "" {
		return "", fmt.Errorf("comment feed %q has no path", link)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	p = filepath.Clean(p)
	if !inside(dir, p) {
		return "", fmt.Errorf("comment feed %q is outside the source's directory %s", link, dir)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	realP, err := filepath.EvalSymlinks(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err == nil && !inside(realDir, realP) {
		return "", fmt.Errorf("comment feed %q links out of the source's directory %s", link, dir)
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath(), nil
}

func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// fileCommentsURL is an item's file: comment-feed link, resolved for a
// file: source, or "".
func fileCommentsURL(it *gofeed.Item, ae *atom.Entry, sourceURL string) string {
	links := []string{extValue(it.Extensions, "wfw", "commentRss")}
	if ae != nil {
		for _, l := range ae.Links {
			if l.Rel == "replies" {
				links = append(links, strings.TrimSpace(l.Href))
			}
		}
	}
	for _, l := range links {
		if syndicate.IsFileURL(l) {
			if u, err := FileCommentFeed(sourceURL, l); err == nil {
				return u
			}
		}
	}
	return ""
}
