package normalize

import (
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"syndicate"
	"syndicate/sanitize"
)

// Comments normalizes a partner's comment feed for article a: one comment
// per item, with its author, own link, sanitized content, date, and the
// partner id of what it replies to (RFC 4685 thr:in-reply-to), which the
// store resolves to a local parent. A reply to the article itself has no
// parent. Only opts.Now, opts.Policy and opts.FutureSkew are used.
func Comments(f *gofeed.Feed, a *syndicate.Article, opts Options) []*syndicate.Comment {
	if opts.Policy == nil {
		opts.Policy = sanitize.New(sanitize.Options{})
	}
	if opts.FutureSkew <= 0 {
		opts.FutureSkew = DefaultFutureSkew
	}
	now := opts.Now.UTC().Truncate(time.Second)
	articleBase := absHTTP(a.CanonicalURL, nil)
	// Refs that mean "the article itself".
	self := map[string]bool{a.GUID: true, a.CanonicalURL: true, a.EntryID: true}
	delete(self, "")
	var entries []*atom.Entry
	if af, ok := f.OriginalFeed().(*atom.Feed); ok {
		entries = af.Entries
	}
	var out []*syndicate.Comment
	seen := map[string]bool{}
	for i, it := range f.Items {
		c := &syndicate.Comment{Status: syndicate.StatusApproved, Origin: syndicate.CommentPartner}
		base := articleBase
		if u := absHTTP(it.Link, articleBase); u != nil {
			c.URL = EscapeURI(u.String())
			base = u
		}
		raw := it.Content
		if strings.TrimSpace(raw) == "" {
			raw = it.Description
		}
		var fits bool
		c.Content, fits = opts.Policy.HTMLWithin(raw, base, MaxContentBytes)
		c.Author = commentAuthor(it, entryAt(entries, i))
		guid := strings.TrimSpace(it.GUID)
		if guid == "" {
			guid = c.URL
		}
		if guid == "" {
			guid = "h:" + syndicate.ShortHash(c.Author.Name+"\x00"+c.Content+"\x00"+it.Published)
		}
		if len(guid) > MaxIDLength || !fits || len(c.Content) > MaxContentBytes || seen[guid] || (c.Content == "" && c.Author.Name == "") {
			continue
		}
		seen[guid] = true
		c.GUID = guid
		if syndicate.IsAbsoluteIRI(guid) {
			c.EntryID = guid
		}
		switch pub, upd := firstDate(it.Published), firstDate(it.Updated); {
		case !pub.IsZero():
			c.Published = pub
		case it.PublishedParsed != nil:
			c.Published = it.PublishedParsed.UTC().Truncate(time.Second)
		case !upd.IsZero():
			c.Published = upd
		case it.UpdatedParsed != nil:
			c.Published = it.UpdatedParsed.UTC().Truncate(time.Second)
		default:
			c.Published = now
		}
		if c.Published.After(now.Add(opts.FutureSkew)) {
			c.Published = now
		}
		if ref := inReplyTo(it); ref != "" && !self[ref] {
			c.ParentGUID = ref
		}
		out = append(out, c)
	}
	return out
}

func entryAt(entries []*atom.Entry, i int) *atom.Entry {
	if i < len(entries) {
		return entries[i]
	}
	return nil
}

func commentAuthor(it *gofeed.Item, ae *atom.Entry) syndicate.Author {
	if ae != nil {
		for _, p := range ae.Authors {
			if name := cleanName(p.Name); name != "" {
				au := syndicate.Author{Name: name, Email: strings.TrimSpace(p.Email)}
				au.URL = publicURL(p.URI, nil)
				return au
			}
		}
	}
	for _, p := range it.Authors {
		if p == nil {
			continue
		}
		if name := cleanName(p.Name); name != "" {
			return syndicate.Author{Name: name, Email: strings.TrimSpace(p.Email)}
		}
	}
	// WordPress comment feeds title items "By: NAME".
	if name, ok := strings.CutPrefix(sanitize.PlainText(it.Title), "By: "); ok && cleanName(name) != "" {
		return syndicate.Author{Name: cleanName(name)}
	}
	return syndicate.Author{}
}

// inReplyTo returns the ref of the item's thr:in-reply-to, if any.
func inReplyTo(it *gofeed.Item) string {
	for _, x := range it.Extensions["thr"]["in-reply-to"] {
		if ref := strings.TrimSpace(x.Attrs["ref"]); ref != "" {
			return ref
		}
	}
	return ""
}
