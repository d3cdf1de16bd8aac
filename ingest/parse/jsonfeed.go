package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	jsonfeed "github.com/mmcdole/gofeed/json"
)

// gofeed reads a JSON Feed with encoding/json into typed fields, so one
// field of the wrong type anywhere ("tags": "news", a numeric "id", an
// object for "url") fails the whole feed. readJSONFeed reads the document
// field by field instead: a field of the wrong type is coerced when its
// meaning is clear (a number for a string, one string for a list, a list
// for one string), dropped otherwise; an item that is no object is skipped
// with its position; the document is then re-encoded with only well-typed
// fields for gofeed.

// jsonReport collects what the lenient reader did.
type jsonReport struct {
	skipped []Skip
	items   int      // items read
	fixed   int      // fields coerced or dropped
	samples []string // the first few, for the repair message
}

func (r *jsonReport) fix(format string, args ...any) {
	r.fixed++
	if len(r.samples) < 3 {
		r.samples = append(r.samples, fmt.Sprintf(format, args...))
	}
}

// readJSONFeed returns body re-encoded as a well-typed JSON Feed, or ok
// false when body is no JSON object (gofeed then says what it is). A
// document broken part-way keeps the items before the break; broken says
// why.
func readJSONFeed(body []byte) (out []byte, rep *jsonReport, broken error, ok bool) {
	rep = &jsonReport{}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, nil, false
	}
	feed := jsonfeed.Feed{Items: []*jsonfeed.Item{}}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			broken = err
			break
		}
		key, _ := tok.(string)
		if key == "items" {
			if broken = readItems(body, d, &feed, rep); broken != nil {
				break
			}
			continue
		}
		var v any
		if err := d.Decode(&v); err != nil {
			broken = err
			break
		}
		feedField(&feed, key, v, rep)
	}
	if broken == nil {
		if _, err := d.Token(); err != nil && err != io.EOF {
			broken = err
		}
	}
	rep.items = len(feed.Items)
	out, err := json.Marshal(&feed)
	if err != nil {
		return nil, nil, err, false
	}
	return out, rep, broken, true
}

func readItems(body []byte, d *json.Decoder, feed *jsonfeed.Feed, rep *jsonReport) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		// A single item object where a list belongs is read as a list of one.
		if tok == json.Delim('{') {
			rep.fix("items: an object where a list belongs")
			m, err := decodeRestOfObject(d)
			if err != nil {
				return err
			}
			feed.Items = append(feed.Items, item(0, m, rep))
			return nil
		}
		rep.fix("items: %s where a list belongs", kindOf(tok))
		return skipRest(d, tok)
	}
	for i := 0; d.More(); i++ {
		if i >= MaxItems {
			return &LimitError{Limit: "items", Max: MaxItems, Line: lineAt(body, int(d.InputOffset()))}
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			rep.skipped = append(rep.skipped, Skip{Index: i, Reason: kindOf(v) + " where an item object belongs"})
			continue
		}
		feed.Items = append(feed.Items, item(i, m, rep))
	}
	_, err = d.Token() // ]
	return err
}

// decodeRestOfObject reads the members of an object whose '{' was read.
func decodeRestOfObject(d *json.Decoder) (map[string]any, error) {
	m := map[string]any{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		m[fmt.Sprint(tok)] = v
	}
	_, err := d.Token()
	return m, err
}

// skipRest skips the rest of a value whose first token was tok.
func skipRest(d *json.Decoder, tok json.Token) error {
	depth := 0
	if delim, ok := tok.(json.Delim); ok && (delim == '[' || delim == '{') {
		depth = 1
	}
	for depth > 0 {
		t, err := d.Token()
		if err != nil {
			return err
		}
		if delim, ok := t.(json.Delim); ok {
			if delim == '[' || delim == '{' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func feedField(f *jsonfeed.Feed, key string, v any, rep *jsonReport) {
	where := key
	switch key {
	case "version":
		f.Version = str(where, v, rep)
	case "title":
		f.Title = str(where, v, rep)
	case "home_page_url":
		f.HomePageURL = str(where, v, rep)
	case "feed_url":
		f.FeedURL = str(where, v, rep)
	case "description":
		f.Description = str(where, v, rep)
	case "next_url":
		f.NextURL = str(where, v, rep)
	case "icon":
		f.Icon = str(where, v, rep)
	case "favicon":
		f.Favicon = str(where, v, rep)
	case "language":
		f.Language = str(where, v, rep)
	case "expired":
		f.Expired = boolean(where, v, rep)
	case "author":
		f.Author = author(where, v, rep)
	case "authors":
		f.Authors = authors(where, v, rep)
	}
}

func item(i int, m map[string]any, rep *jsonReport) *jsonfeed.Item {
	it := &jsonfeed.Item{}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		v := m[key]
		where := fmt.Sprintf("item %d %s", i, key)
		switch key {
		case "id":
			it.ID = str(where, v, rep)
		case "url":
			it.URL = str(where, v, rep)
		case "external_url":
			it.ExternalURL = str(where, v, rep)
		case "title":
			it.Title = str(where, v, rep)
		case "content_html":
			it.ContentHTML = str(where, v, rep)
		case "content_text":
			it.ContentText = str(where, v, rep)
		case "summary":
			it.Summary = str(where, v, rep)
		case "image":
			it.Image = str(where, v, rep)
		case "banner_image":
			it.BannerImage = str(where, v, rep)
		case "date_published":
			it.DatePublished = str(where, v, rep)
		case "date_modified":
			it.DateModified = str(where, v, rep)
		case "language":
			it.Language = str(where, v, rep)
		case "author":
			it.Author = author(where, v, rep)
		case "authors":
			it.Authors = authors(where, v, rep)
		case "tags":
			it.Tags = strs(where, v, rep)
		case "attachments":
			if a := attachments(where, v, rep); len(a) > 0 {
				it.Attachments = &a
			}
		}
	}
	return it
}

// str reads a string field: a number becomes its decimal text (JSON Feed
// says an id given as a number is coerced), a list its first string, and
// anything else is dropped.
func str(where string, v any, rep *jsonReport) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		rep.fix("%s: a number where a string belongs", where)
		return x.String()
	case []any:
		rep.fix("%s: a list where a string belongs", where)
		for _, e := range x {
			if s, ok := e.(string); ok {
				return s
			}
		}
		return ""
	}
	rep.fix("%s: %s where a string belongs (dropped)", where, kindOf(v))
	return ""
}

// strs reads a list of strings: one string is a list of one (or, when it
// has commas, a comma-separated list), numbers become text, the rest is
// dropped.
func strs(where string, v any, rep *jsonReport) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		rep.fix("%s: a string where a list belongs", where)
		var out []string
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			switch s := e.(type) {
			case string:
				out = append(out, s)
			case json.Number:
				out = append(out, s.String())
			default:
				rep.fix("%s: %s in a list of strings (dropped)", where, kindOf(e))
			}
		}
		return out
	}
	rep.fix("%s: %s where a list belongs (dropped)", where, kindOf(v))
	return nil
}

func boolean(where string, v any, rep *jsonReport) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		rep.fix("%s: a string where a boolean belongs", where)
		b, _ := strconv.ParseBool(strings.TrimSpace(x))
		return b
	case json.Number:
		rep.fix("%s: a number where a boolean belongs", where)
		return x.String() != "0"
	}
	rep.fix("%s: %s where a boolean belongs (dropped)", where, kindOf(v))
	return false
}

// integer reads a whole number, from a number or a numeric string.
func integer(where string, v any, rep *jsonReport) int64 {
	var s string
	switch x := v.(type) {
	case nil:
		return 0
	case json.Number:
		s = x.String()
	case string:
		rep.fix("%s: a string where a number belongs", where)
		s = strings.TrimSpace(x)
	default:
		rep.fix("%s: %s where a number belongs (dropped)", where, kindOf(v))
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < math.MaxInt64 {
		return int64(f)
	}
	rep.fix("%s: %q is no number (dropped)", where, s)
	return 0
}

// author reads an author object; a string is the author's name.
func author(where string, v any, rep *jsonReport) *jsonfeed.Author {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		a := &jsonfeed.Author{
			Name:   str(where+".name", x["name"], rep),
			URL:    str(where+".url", x["url"], rep),
			Avatar: str(where+".avatar", x["avatar"], rep),
		}
		if *a == (jsonfeed.Author{}) {
			return nil
		}
		return a
	case string:
		rep.fix("%s: a string where an author object belongs", where)
		if strings.TrimSpace(x) == "" {
			return nil
		}
		return &jsonfeed.Author{Name: x}
	case []any:
		rep.fix("%s: a list where one author belongs", where)
		for _, e := range x {
			if a := author(where, e, rep); a != nil {
				return a
			}
		}
		return nil
	}
	rep.fix("%s: %s where an author belongs (dropped)", where, kindOf(v))
	return nil
}

func authors(where string, v any, rep *jsonReport) []*jsonfeed.Author {
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		rep.fix("%s: %s where a list belongs", where, kindOf(v))
		list = []any{v}
	}
	var out []*jsonfeed.Author
	for _, e := range list {
		if a := author(where, e, rep); a != nil {
			out = append(out, a)
		}
	}
	return out
}

func attachments(where string, v any, rep *jsonReport) []jsonfeed.Attachments {
	list, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		rep.fix("%s: %s where a list belongs", where, kindOf(v))
		list = []any{v}
	}
	var out []jsonfeed.Attachments
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			rep.fix("%s: %s where an attachment object belongs (dropped)", where, kindOf(e))
			continue
		}
		out = append(out, jsonfeed.Attachments{
			URL:               str(where+".url", m["url"], rep),
			MimeType:          str(where+".mime_type", m["mime_type"], rep),
			Title:             str(where+".title", m["title"], rep),
			SizeInBytes:       integer(where+".size_in_bytes", m["size_in_bytes"], rep),
			DurationInSeconds: integer(where+".duration_in_seconds", m["duration_in_seconds"], rep),
		})
	}
	return out
}

func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case json.Delim:
		if x == '[' {
			return "a list"
		}
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
