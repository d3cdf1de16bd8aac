package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"syndicate"
	"syndicate/ingest"
)

func (m *Main) try(ctx context.Context, args []string) int {
	fs := m.flags("try", "Fetches (or reads) each FILE_OR_URL, parses and normalizes it as an ingest\npass would, without storing anything, and prints per document the entries\nread, the entries it would republish, the entries skipped with their reasons\nand the fields lost. Exit 1 if any document could not be read.\n\nusage: syndicate try [flags] FILE_OR_URL...")
	path := fs.String("config", "", "config file for the fetcher's bounds, retention and stripped parameters (default ./syndicate.yaml if present, else built-in defaults)")
	siteURL := fs.String("site-url", "", "the partner's site URL, against which a file's relative links resolve")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitConfig
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(m.Stderr, "syndicate try: name at least one FILE_OR_URL")
		fs.Usage()
		return exitConfig
	}
	if *siteURL != "" {
		if err := syndicate.ValidateHTTPURL(*siteURL); err != nil {
			fmt.Fprintf(m.Stderr, "syndicate try: --site-url: %v\n", err)
			return exitConfig
		}
	}
	cfg, code := m.loadConfig(*path)
	if cfg == nil {
		return code
	}
	in := m.newIngester(cfg, nil, newPolicy(cfg), m.newLogger(cfg), nil, nil)
	code = exitOK
	for _, arg := range fs.Args() {
		src, err := trySource(arg, *siteURL)
		if err == nil {
			var tr *ingest.Trial
			tr, err = in.Try(ctx, src)
			if err == nil {
				printTrial(m.Stdout, arg, tr)
				continue
			}
			if tr != nil && tr.HTTP != 0 {
				fmt.Fprintf(m.Stdout, "doc=%s status=failed http=%d error=%s\n", quoteDoc(arg), tr.HTTP, strconv.Quote(err.Error()))
				code = exitFailed
				continue
			}
		}
		fmt.Fprintf(m.Stdout, "doc=%s status=failed error=%s\n", quoteDoc(arg), strconv.Quote(err.Error()))
		code = exitFailed
	}
	return code
}

// trySource makes the throwaway source a trial runs as: a URL as given,
// anything else a file path (read like a config-file source's file:).
func trySource(arg, siteURL string) (syndicate.Source, error) {
	src := syndicate.Source{ID: "try", Name: "try", SiteURL: siteURL, Enabled: true, Managed: syndicate.ManagedConfig}
	if u, err := url.Parse(arg); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		src.URL = arg
		src.Managed = syndicate.ManagedAPI // a URL never reads a file
		return src, nil
	}
	if syndicate.IsFileURL(arg) {
		src.URL = arg
		return src, nil
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return src, err
	}
	src.URL = "file://" + filepath.ToSlash(abs)
	return src, nil
}

// printTrial writes one document's report: a summary line (lost_KIND=N
// per kind of field that could not be used: dates unparsed, authors,
// images, categories, ...), then one indented line per skipped entry and
// per degraded entry.
func printTrial(w io.Writer, doc string, tr *ingest.Trial) {
	fmt.Fprintf(w, "doc=%s status=ok http=%d read=%d republish=%d skipped=%d undated=%d",
		quoteDoc(doc), tr.HTTP, tr.Read, tr.Republish, len(tr.Skipped), tr.Undated)
	for _, l := range tr.LostSummary() {
		fmt.Fprintf(w, " lost_%s=%d", l.Kind, l.Count)
	}
	fmt.Fprintln(w)
	for _, sk := range tr.Skipped {
		fmt.Fprintf(w, "  skipped position=%d reason=%s\n", sk.Position, strconv.Quote(sk.Reason))
	}
	for _, r := range tr.Repairs {
		fmt.Fprintf(w, "  repaired=%s\n", strconv.Quote(r))
	}
	for _, p := range tr.Problems {
		fmt.Fprintf(w, "  problem=%s\n", strconv.Quote(p))
	}
}

// quoteDoc quotes a document name only when it needs it (spaces, quotes).
func quoteDoc(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"\\=") {
		return strconv.Quote(s)
	}
	return s
}
