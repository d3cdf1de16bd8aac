package normalize

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"syndicate"
	"syndicate/sanitize"
)

// MediaType returns a valid media type for an enclosure (see
// syndicate.MediaType).
func MediaType(typ, rawURL string) string { return syndicate.MediaType(typ, rawURL) }

func (n *normalizer) enclosures(it *gofeed.Item, ji *jsonfeed.Item, base *url.URL, res *Result) []syndicate.Enclosure {
	var out []syndicate.Enclosure
	seen := map[string]bool{}
	add := func(rawURL, typ, length string) {
		u := absHTTP(rawURL, base)
		if u == nil || len(u.String()) > MaxIDLength {
			res.lose("enclosure")
			return
		}
		s := EscapeURI(u.String())
		if seen[s] {
			return
		}
		if len(out) >= MaxEnclosures {
			res.lose("enclosure")
			return
		}
		seen[s] = true
		enc := syndicate.Enclosure{URL: s, Type: MediaType(typ, s)}
		if l, err := strconv.ParseInt(strings.TrimSpace(length), 10, 64); err == nil && l > 0 {
			enc.Length = l
		}
		out = append(out, enc)
	}
	if ji != nil && ji.Attachments != nil {
		for _, a := range *ji.Attachments {
			add(a.URL, a.MimeType, strconv.FormatInt(a.SizeInBytes, 10))
		}
		return out
	}
	for _, e := range it.Enclosures {
		if e != nil {
			add(e.URL, e.Type, e.Length)
		}
	}
	if len(out) == 0 {
		// Media RSS audio and video stand in for a missing <enclosure>.
		for _, x := range mediaElems(it.Extensions, "content") {
			if t := MediaType(x.Attrs["type"], x.Attrs["url"]); strings.HasPrefix(t, "audio/") || strings.HasPrefix(t, "video/") ||
				t == "" && (x.Attrs["medium"] == "audio" || x.Attrs["medium"] == "video") {
				add(x.Attrs["url"], x.Attrs["type"], x.Attrs["fileSize"])
			}
		}
	}
	return out
}

// mediaElems returns the item's Media RSS elements named name, directly
// and inside media:group, in document order of the two lists.
func mediaElems(e ext.Extensions, name string) []ext.Extension {
	media := e["media"]
	if media == nil {
		return nil
	}
	out := append([]ext.Extension(nil), media[name]...)
	for _, g := range media["group"] {
		out = append(out, g.Children[name]...)
		for _, c := range g.Children["content"] {
			out = append(out, c.Children[name]...)
		}
	}
	if name != "content" {
		for _, c := range media["content"] {
			out = append(out, c.Children[name]...)
		}
	}
	return out
}

func isImageMedia(x ext.Extension) bool {
	t := strings.ToLower(x.Attrs["type"])
	return strings.HasPrefix(t, "image/") || strings.EqualFold(x.Attrs["medium"], "image") ||
		t == "" && x.Attrs["medium"] == "" && strings.HasPrefix(MediaType("", x.Attrs["url"]), "image/")
}

// image finds the entry's lead image: JSON Feed image or banner_image,
// Media RSS thumbnail or image content (alone or in a group), iTunes
// image, an image enclosure. A candidate that is no usable http(s) URL
// counts in Result.Lost["image"] when no other one is found.
func (n *normalizer) image(it *gofeed.Item, ri *rss.Item, ae *atom.Entry, ji *jsonfeed.Item, base *url.URL, res *Result) string {
	var cands []string
	if ji != nil {
		cands = append(cands, ji.Image, ji.BannerImage)
	}
	exts := it.Extensions
	if ae != nil && ae.Extensions != nil {
		exts = ae.Extensions
	}
	for _, x := range mediaElems(exts, "thumbnail") {
		cands = append(cands, x.Attrs["url"])
	}
	for _, x := range mediaElems(exts, "content") {
		if isImageMedia(x) {
			cands = append(cands, x.Attrs["url"])
		}
	}
	if ri != nil && ri.ITunesExt != nil {
		cands = append(cands, ri.ITunesExt.Image)
	}
	for _, x := range exts["itunes"]["image"] {
		cands = append(cands, x.Attrs["href"], x.Value)
	}
	for _, e := range it.Enclosures {
		if e != nil && strings.HasPrefix(MediaType(e.Type, e.URL), "image/") {
			cands = append(cands, e.URL)
		}
	}
	if it.Image != nil {
		cands = append(cands, it.Image.URL)
	}
	bad := false
	for _, c := range cands {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if u := publicURL(c, base); u != "" {
			return u
		}
		bad = true
	}
	if bad {
		res.lose("image")
	}
	return ""
}

// mediaText returns the first Media RSS description (or, for a title,
// media:title) of the item, for items that carry their text there
// (YouTube, Flickr, podcasts).
func mediaText(e ext.Extensions, name string) string {
	for _, x := range mediaElems(e, name) {
		if v := strings.TrimSpace(x.Value); v != "" {
			if strings.EqualFold(x.Attrs["type"], "html") {
				return v
			}
			return sanitize.EscapeText(v)
		}
	}
	return ""
}

// escapeIfText keeps text as text when it is later read as HTML.
func escapeIfText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
