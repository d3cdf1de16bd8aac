package syndicate

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"mime"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// NormalizerVersion is the version of the normalization rules. Articles
// stored by an older version are re-normalized (without bumping Updated)
// when their source is next ingested.
const NormalizerVersion = 8

// Author is a person credited on an article or comment. Email is kept
// private: it is stored but never republished.
type Author struct {
	Name  string `json:"name,omitempty"`
	URL   string `json:"url,omitempty"`
	Email string `json:"email,omitempty"`
}

// Enclosure is a media file attached to an article (podcast audio, an image).
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// Origin is a further-upstream publisher named by a partner entry (RSS
// <source url>, Atom <source>): the partner itself republished it.
type Origin struct {
	Title   string `json:"title,omitempty"`
	FeedURL string `json:"feed_url,omitempty"`
	SiteURL string `json:"site_url,omitempty"`
	ID      string `json:"id,omitempty"`
}

// SourceRef is the attribution snapshot stored with an article: which
// configured source published it first. It is refreshed on every ingest.
type SourceRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	SiteURL string `json:"site_url,omitempty"`
	FeedURL string `json:"feed_url,omitempty"` // never a file: URL
}

// Article is one normalized, sanitized partner entry with its canonical
// source. ID and EntryID are decided at first sight and never recomputed.
type Article struct {
	ID           string    `json:"id"`
	EntryID      string    `json:"entry_id,omitempty"` // "" = {base_url}/articles/{id}
	GUID         string    `json:"guid,omitempty"`     // the partner's raw entry id
	Source       SourceRef `json:"source"`             // the original publisher
	Carriers     []string  `json:"carriers"`           // every source id that lists it, original first
	Origin       *Origin   `json:"origin,omitempty"`
	CanonicalURL string    `json:"canonical_url"`
	// Fragment is the partner link's #fragment (percent-encoded, without
	// the "#"): the canonical URL drops it for deduplication, but links we
	// publish to the original keep it.
	Fragment    string      `json:"fragment,omitempty"`
	Title       string      `json:"title"`
	Summary     string      `json:"summary,omitempty"` // plain text
	Content     string      `json:"content,omitempty"` // sanitized HTML, without the attribution line
	Authors     []Author    `json:"authors,omitempty"`
	Categories  []string    `json:"categories,omitempty"` // labels; routes use Slug(label)
	Enclosures  []Enclosure `json:"enclosures,omitempty"`
	Image       string      `json:"image,omitempty"`
	Language    string      `json:"language,omitempty"`
	Rights      string      `json:"rights,omitempty"`
	CommentsURL string      `json:"comments_url,omitempty"` // the partner's comment feed
	// CommentsPage is the partner's web page of comments on the article
	// (RSS <comments>, an Atom replies link to HTML): a reader's way to the
	// conversation at the original, besides ours.
	CommentsPage string    `json:"comments_page,omitempty"`
	Published    time.Time `json:"published"`
	Updated      time.Time `json:"updated"`
	FirstSeen    time.Time `json:"first_seen"`
	Hash         string    `json:"hash"`
	Normalizer   int       `json:"normalizer_version"`
}

// ContentHash returns the hash that decides whether an article changed
// (docs/decisions/dates.md): title, content, summary, link, published, authors and
// enclosures. Categories, comment counts, the comment feed and page links, the lead
// image, language and rights are deliberately left out: they are stored
// as they change, without re-dating the article.
func (a *Article) ContentHash() string {
	h := sha256.New()
	w := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	w(a.Title)
	w(a.Content)
	w(a.Summary)
	w(a.CanonicalURL)
	if a.Fragment != "" {
		w("#" + a.Fragment) // absent before fragments were kept: old hashes stand
	}
	w(a.Published.UTC().Format(time.RFC3339))
	for _, au := range a.Authors {
		w("a")
		w(au.Name)
		w(au.URL)
		w(au.Email)
	}
	for _, e := range a.Enclosures {
		w("e")
		w(e.URL)
		w(e.Type)
		w(strconv.FormatInt(e.Length, 10))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Link is the link to the original that we publish: the canonical URL
// with the partner's fragment.
func (a *Article) Link() string {
	if a.Fragment == "" || a.CanonicalURL == "" {
		return a.CanonicalURL
	}
	return a.CanonicalURL + "#" + a.Fragment
}

// HasSource reports whether source id carries the article.
func (a *Article) HasSource(id string) bool {
	for _, c := range a.Carriers {
		if c == id {
			return true
		}
	}
	return false
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// MintArticleID returns the article id for a partner entry first seen in
// source sourceID under key (its guid, else canonical URL, else a content
// hash). The id is URL-safe: the source id, a dash and 16 base32 characters.
func MintArticleID(sourceID, key string) string {
	sum := sha256.Sum256([]byte(sourceID + "\x00" + key))
	return sourceID + "-" + idEncoding.EncodeToString(sum[:10])
}

// ShortHash returns a compact, URL-safe hash of s, used for store keys.
func ShortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return idEncoding.EncodeToString(sum[:15])
}

// IsAbsoluteIRI reports whether s can serve as an Atom id on its own
// (RFC 4287 §4.2.6): an http(s) URL with a host name, a tag: URI (RFC 4151:
// an authority, a date and a colon) or a URN (a namespace id of 2 to 32
// letters, digits and hyphens, then a non-empty specific string). Anything
// else (urn:d:1, tag:x, a guid with spaces) is no id to publish.
//
// The grammar is the one feed validators and strict readers check, which
// is narrower than the RFCs' latest words: a tag's authority is lower case
// (RFC 4151 §2.1 asks for it) and a URN's specific string holds only
// RFC 2141's characters (no "/", "?", "#", "&" or "~"), a urn:uuid: id is a
// UUID, and an http(s) host is a name or an IPv4 address (an IPv6 literal's
// brackets are no RFC 2396 URI). A partner id outside it is not kept as
// ours: the entry takes its canonical URL instead, and the feed validates.
func IsAbsoluteIRI(s string) bool {
	if s == "" || len(s) > 4096 || !uriText(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != "" && u.Opaque == "" && !strings.HasPrefix(u.Host, "[")
	case "tag":
		return tagURI.MatchString(s)
	case "urn":
		if strings.EqualFold(u.Opaque[:min(len(u.Opaque), 5)], "uuid:") {
			return uuidURN.MatchString(s)
		}
		return urnRe.MatchString(s)
	}
	return false
}

// uriText reports whether s holds only what a URI may hold unencoded
// (brackets only around an IPv6 host, one "#", "%" only as an escape), so
// that it is valid as an Atom id for the strictest reader.
func uriText(s string) bool {
	// The authority of scheme://authority, where an IPv6 host has brackets.
	hostStart, hostEnd := 0, 0
	if i := strings.Index(s, "://"); i >= 0 {
		hostStart, hostEnd = i+3, len(s)
		if j := strings.IndexAny(s[hostStart:], "/?#"); j >= 0 {
			hostEnd = hostStart + j
		}
	}
	hash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return false
			}
		case c == '#' && !hash:
			hash = true
		case (c == '[' || c == ']') && i >= hostStart && i < hostEnd:
		default:
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

var (
	tagURI  = regexp.MustCompile(`^tag:(?:[a-z0-9._-]+@)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?,\d{4}(?:-\d{2}(?:-\d{2})?)?:[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*(?:#[0-9A-Za-z;/?:@&=+$.\-_!~*'()%,]*)?$`)
	urnRe   = regexp.MustCompile(`^(?i:urn):[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:(?:[A-Za-z0-9()+,.:=@;$_!*'-]|%[0-9A-Fa-f]{2})+$`)
	uuidURN = regexp.MustCompile(`^(?i:urn:uuid):[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

// mediaTypes maps the file extensions of the media feeds carry to their
// types. It is ours rather than mime.TypeByExtension, whose answers come
// from the host's files and would differ between replicas.
var mediaTypes = map[string]string{
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
	".opus": "audio/opus", ".wav": "audio/wav", ".flac": "audio/flac",
	".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm", ".ogv": "video/ogg",
	".mkv": "video/x-matroska", ".avi": "video/x-msvideo", ".m3u8": "application/vnd.apple.mpegurl",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".svg": "image/svg+xml", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
	".pdf": "application/pdf", ".epub": "application/epub+zip", ".zip": "application/zip",
	".torrent": "application/x-bittorrent", ".txt": "text/plain", ".html": "text/html", ".htm": "text/html",
}

// MediaType returns a valid media type (RFC 6838, as mime.ParseMediaType
// reads it) for an enclosure: the partner's, written canonically, when it
// parses; else one derived from the URL's file extension; else "" (the
// caller leaves the type out).
func MediaType(typ, rawURL string) string {
	typ = strings.TrimSpace(typ)
	if typ != "" {
		if mt, params, err := mime.ParseMediaType(typ); err == nil && strings.Count(mt, "/") == 1 &&
			!strings.HasPrefix(mt, "/") && !strings.HasSuffix(mt, "/") {
			if out := mime.FormatMediaType(mt, params); out != "" {
				return out
			}
		}
	}
	if u, err := url.Parse(rawURL); err == nil {
		if t, ok := mediaTypes[strings.ToLower(path.Ext(u.Path))]; ok {
			return t
		}
	}
	return ""
}
