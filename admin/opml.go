package admin

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"syndicate"
	"syndicate/ingest/parse"
	"syndicate/registry"
)

// NSOPML is the namespace of Syndicate's own OPML attributes, which make
// an export round-trip (docs/decisions/editors-and-readers.md).
const NSOPML = "https://syndicate.example/ns/opml/1.0"

type opmlOut struct {
	XMLName xml.Name     `xml:"opml"`
	Version string       `xml:"version,attr"`
	NS      string       `xml:"xmlns:syndicate,attr"`
	Title   string       `xml:"head>title"`
	Body    []outlineOut `xml:"body>outline"`
}

type outlineOut struct {
	Text        string `xml:"text,attr"`
	Title       string `xml:"title,attr"`
	Type        string `xml:"type,attr"`
	XMLURL      string `xml:"xmlUrl,attr"`
	HTMLURL     string `xml:"htmlUrl,attr,omitempty"`
	Category    string `xml:"category,attr,omitempty"`
	ID          string `xml:"syndicate:id,attr"`
	Schedule    string `xml:"syndicate:schedule,attr,omitempty"`
	PublicFeed  string `xml:"syndicate:public_feed_url,attr,omitempty"`
	Attribution string `xml:"syndicate:attribution,attr,omitempty"`
	Comments    bool   `xml:"syndicate:comments,attr"`
	Enabled     bool   `xml:"syndicate:enabled,attr"`
	Managed     string `xml:"syndicate:managed,attr,omitempty"`
	SEO         string `xml:"syndicate:seo,attr,omitempty"`

	Rights       string `xml:"syndicate:rights,attr,omitempty"`
	License      string `xml:"syndicate:license,attr,omitempty"`
	Redistribute string `xml:"syndicate:redistribute,attr,omitempty"`
	Hold         string `xml:"syndicate:hold,attr,omitempty"`
}

// ExportOPML returns every source as OPML 2.0.
func (s *Service) ExportOPML(ctx context.Context, title string) ([]byte, error) {
	all, err := s.reg.All(ctx)
	if err != nil {
		return nil, err
	}
	doc := opmlOut{Version: "2.0", NS: NSOPML, Title: title}
	for _, src := range all {
		doc.Body = append(doc.Body, outlineOut{
			Text: src.Name, Title: src.Name, Type: "rss", XMLURL: src.URL, HTMLURL: src.SiteURL,
			Category: strings.Join(src.Categories, ","), ID: src.ID, Schedule: src.Schedule, PublicFeed: src.PublicFeed,
			Attribution: src.Attribution, Comments: src.Comments, Enabled: src.Enabled, Managed: src.Managed,
			SEO: src.SEO, Rights: src.Rights, License: src.License, Redistribute: src.Redistribute, Hold: src.Hold,
		})
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// outlineIn reads any OPML 1.0/2.0 outline, nested.
type outlineIn struct {
	Text     string      `xml:"text,attr"`
	Title    string      `xml:"title,attr"`
	XMLURL   string      `xml:"xmlUrl,attr"`
	HTMLURL  string      `xml:"htmlUrl,attr"`
	Category string      `xml:"category,attr"`
	Attrs    []xml.Attr  `xml:",any,attr"`
	Children []outlineIn `xml:"outline"`
}

type opmlIn struct {
	XMLName xml.Name    `xml:"opml"`
	Body    []outlineIn `xml:"body>outline"`
}

func (o outlineIn) own(name string) (string, bool) {
	for _, a := range o.Attrs {
		if a.Name.Space == NSOPML && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// MaxOPMLElements bounds the elements of an imported OPML document (its
// nesting is bounded by parse.MaxDepth).
const MaxOPMLElements = 20000

// ImportProblem is an outline that was not imported, with why.
type ImportProblem struct {
	Position string `json:"position"` // e.g. "outline 3 (Politics/The Daily)"
	URL      string `json:"url,omitempty"`
	Reason   string `json:"reason"`
	Field    string `json:"field,omitempty"`
}

// ImportReport says what an OPML import did.
type ImportReport struct {
	Imported []string        `json:"imported"`
	Skipped  []ImportProblem `json:"skipped"` // duplicates
	Errors   []ImportProblem `json:"errors"`  // bad entries
}

// ImportOPML creates API sources from an OPML 1.0/2.0 document: outlines
// with an xmlUrl at any depth; folder outlines become categories. A
// document that does not parse imports nothing; duplicates (same id or
// feed URL as a source that exists or came earlier) are skipped and bad
// entries reported, each with its position.
func (s *Service) ImportOPML(ctx context.Context, who string, r io.Reader) (*ImportReport, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, syndicate.FieldError("body", "read the OPML document: %v", err)
	}
	// Nested outlines decode recursively: refuse a hostile depth or size
	// before the decoder sees it.
	if err := parse.CheckXML(body, MaxOPMLElements); err != nil {
		return nil, syndicate.FieldError("body", "not an OPML document we can import: %v", err)
	}
	var doc opmlIn
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return nil, syndicate.FieldError("body", "not an OPML document: %v", err)
	}
	all, err := s.reg.All(ctx)
	if err != nil {
		return nil, err
	}
	ids, urls := map[string]bool{}, map[string]bool{}
	for _, src := range all {
		ids[src.ID], urls[src.URL] = true, true
	}
	rep := &ImportReport{Imported: []string{}, Skipped: []ImportProblem{}, Errors: []ImportProblem{}}
	type cand struct {
		src syndicate.Source
		pos string
	}
	var cands []cand
	n := 0
	var walk func(list []outlineIn, folders []string)
	walk = func(list []outlineIn, folders []string) {
		for _, o := range list {
			name := strings.TrimSpace(o.Title)
			if name == "" {
				name = strings.TrimSpace(o.Text)
			}
			if strings.TrimSpace(o.XMLURL) == "" {
				walk(o.Children, append(clone(folders), name))
				continue
			}
			n++
			pos := "outline " + strconv.Itoa(n) + " (" + strings.Join(append(clone(folders), name), "/") + ")"
			src := syndicate.Source{Name: name, URL: strings.TrimSpace(o.XMLURL), SiteURL: strings.TrimSpace(o.HTMLURL), Enabled: true, Managed: syndicate.ManagedAPI}
			for _, c := range folders {
				if c != "" && !containsFold(src.Categories, c) {
					src.Categories = append(src.Categories, c)
				}
			}
			for _, c := range strings.Split(o.Category, ",") {
				// OPML categories are slash-delimited paths.
				c = strings.Trim(strings.TrimSpace(c), "/")
				if i := strings.LastIndexByte(c, '/'); i >= 0 {
					c = c[i+1:]
				}
				if c != "" && !containsFold(src.Categories, c) {
					src.Categories = append(src.Categories, c)
				}
			}
			if v, ok := o.own("id"); ok {
				src.ID = v
			}
			if v, ok := o.own("schedule"); ok {
				src.Schedule = v
			}
			if v, ok := o.own("public_feed_url"); ok {
				src.PublicFeed = strings.TrimSpace(v)
			}
			if v, ok := o.own("attribution"); ok {
				src.Attribution = v
			}
			if v, ok := o.own("comments"); ok {
				src.Comments = v == "true"
			}
			if v, ok := o.own("enabled"); ok {
				src.Enabled = v != "false"
			}
			if v, ok := o.own("seo"); ok {
				src.SEO = v
			}
			ownRights(o, &src)
			cands = append(cands, cand{src, pos})
		}
	}
	walk(doc.Body, nil)
	for _, c := range cands {
		src := c.src
		if src.ID == "" {
			base := syndicate.ASCIISlug(src.Name)
			if base == "" {
				base = "source"
			}
			if len(base) > 56 {
				base = strings.Trim(base[:56], "-")
			}
			src.ID = base
			for i := 2; ids[src.ID]; i++ {
				src.ID = fmt.Sprintf("%s-%d", base, i)
			}
		}
		if urls[src.URL] {
			rep.Skipped = append(rep.Skipped, ImportProblem{Position: c.pos, URL: src.URL, Reason: "a source with this feed URL exists"})
			continue
		}
		if ids[src.ID] {
			rep.Skipped = append(rep.Skipped, ImportProblem{Position: c.pos, URL: src.URL, Reason: fmt.Sprintf("a source with id %q exists", src.ID)})
			continue
		}
		if errs := registry.Validate(src); len(errs) > 0 {
			rep.Errors = append(rep.Errors, ImportProblem{Position: c.pos, URL: src.URL, Reason: errs[0].Message, Field: errs[0].Field})
			continue
		}
		if err := s.reg.Create(ctx, src); err != nil {
			if syndicate.ErrorKind(err) == syndicate.EConflict {
				rep.Skipped = append(rep.Skipped, ImportProblem{Position: c.pos, URL: src.URL, Reason: err.Error()})
				continue
			}
			return rep, err
		}
		ids[src.ID], urls[src.URL] = true, true
		rep.Imported = append(rep.Imported, src.ID)
		s.audit(who, "source.import", src.ID, "url", syndicate.RedactURL(src.URL))
	}
	return rep, nil
}

func clone(s []string) []string { return append([]string(nil), s...) }

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ownRights reads the rights keys of a source from its syndicate:
// attributes, so export → import keeps them.
func ownRights(o outlineIn, src *syndicate.Source) {
	for name, dst := range map[string]*string{"rights": &src.Rights, "license": &src.License, "redistribute": &src.Redistribute, "hold": &src.Hold} {
		if v, ok := o.own(name); ok {
			*dst = strings.TrimSpace(v)
		}
	}
}
