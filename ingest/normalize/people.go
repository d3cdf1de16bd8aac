package normalize

import (
	"encoding/xml"
	"net/mail"
	"regexp"
	"strings"

	"syndicate"
	"syndicate/sanitize"
)

// Per-item bounds: a partner cannot make one entry arbitrarily large.
const (
	MaxAuthors       = 10
	MaxCategories    = 30
	MaxEnclosures    = 10
	MaxNameLength    = 200     // an author's name, in runes
	MaxLabelLength   = 100     // a category label, in runes
	MaxTitleLength   = 400     // a partner's title, in runes
	MaxRightsLength  = 1000    // a rights notice, in runes (a feed's own is copied into every entry)
	MaxIDLength      = 4096    // a guid or a link, in bytes; longer entries are skipped
	MaxContentBytes  = 2 << 20 // an article's or comment's sanitized HTML; larger entries are skipped
	maxAuthorsWanted = 4 * MaxAuthors
)

// person is a name, address and URL as a partner wrote them.
type person struct{ name, email, uri string }

var (
	// "jane@x.com (Jane Doe)", the RSS 2.0 form.
	emailThenName = regexp.MustCompile(`^\s*<?([^\s<>()@]+@[^\s<>()]+?)>?\s*\((.*)\)\s*$`)
	// "Jane Doe <jane@x.com>" and "Jane Doe (jane@x.com)".
	nameThenEmail = regexp.MustCompile(`^(.*?)\s*[<(]\s*(?:mailto:)?([^\s<>()@]+@[^\s<>()]+)\s*[>)]\s*$`)
	bareEmail     = regexp.MustCompile(`^\s*<?(?:mailto:)?([^\s<>()@,;]+@[^\s<>(),;]+\.[^\s<>(),;]+)>?\s*$`)
	// An address anywhere in a would-be name.
	emailInText = regexp.MustCompile(`(?:mailto:)?[^\s<>()@,;"]+@[^\s<>()@,;"]+\.[A-Za-z]{2,}`)
)

// parsePerson reads an author written as text: a name, an address with a
// name in either order, or an address alone (which gives no name: no name
// is ever made from an address). RSS <author> with child elements
// (<name>, <email>, <uri>) is read too.
func parsePerson(s string) person {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "<") && strings.Contains(s, "</") {
		if p, ok := personElements(s); ok {
			return p
		}
	}
	if m := emailThenName.FindStringSubmatch(s); m != nil {
		return person{name: m[2], email: m[1]}
	}
	if m := nameThenEmail.FindStringSubmatch(s); m != nil {
		return person{name: m[1], email: m[2]}
	}
	if m := bareEmail.FindStringSubmatch(s); m != nil {
		return person{email: m[1]}
	}
	if a, err := mail.ParseAddress(s); err == nil {
		return person{name: a.Name, email: a.Address}
	}
	return person{name: s}
}

// personElements reads <name>, <email> and <uri> (any prefix) from the
// inner XML of an author element.
func personElements(s string) (person, bool) {
	d := xml.NewDecoder(strings.NewReader("<x>" + s + "</x>"))
	d.Strict = false
	var p person
	var field *string
	found := false
	for depth := 0; depth < 8; {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			field = nil
			switch strings.ToLower(t.Name.Local) {
			case "name":
				field = &p.name
			case "email":
				field = &p.email
			case "uri", "url":
				field = &p.uri
			}
			found = found || field != nil
		case xml.EndElement:
			depth--
			field = nil
		case xml.CharData:
			if field != nil {
				*field += string(t)
			}
		}
	}
	return p, found
}

// authorSet collects an entry's authors: plain-text names, no two alike
// (by case-folded name, in a map, however many the partner lists), at
// most MaxAuthors.
type authorSet struct {
	n     *normalizer
	res   *Result
	out   []syndicate.Author
	seen  map[string]bool
	tried int
	// nameless counts the authors written without a usable name (only an
	// address): a loss only when no other element names the entry's
	// author (a podcast's <author>address</author> beside its
	// <itunes:author>Name</itunes:author> loses nothing).
	nameless int
}

// add adds one author; it counts in Result.Lost["author"] an author the
// partner wrote that cannot be used (over the limit; without a name, see
// done).
func (s *authorSet) add(p person) {
	s.tried++
	if s.tried > maxAuthorsWanted {
		return // a partner listing thousands: stop looking
	}
	name := cleanName(p.name)
	email := strings.TrimSpace(p.email)
	if name == "" {
		if strings.TrimSpace(p.name) != "" || email != "" || p.uri != "" {
			s.nameless++
		}
		return
	}
	key := strings.ToLower(name)
	if s.seen[key] {
		return
	}
	if len(s.out) >= MaxAuthors {
		s.res.lose("author")
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[key] = true
	au := syndicate.Author{Name: name}
	if _, err := mail.ParseAddress(email); err == nil && !strings.ContainsAny(email, "<> ") {
		au.Email = email
	}
	au.URL = publicURL(p.uri, s.n.linkBase)
	s.out = append(s.out, au)
}

// done counts the nameless authors as lost when the set names nobody.
func (s *authorSet) done() {
	if len(s.out) == 0 {
		for range s.nameless {
			s.res.lose("author")
		}
	}
	s.nameless = 0
}

// cleanName is a name as plain text: markup stripped, bidi controls gone,
// any e-mail address removed (a name is public, an address is not),
// bounded in length.
func cleanName(s string) string {
	name := sanitize.PlainText(s)
	if strings.Contains(name, "@") {
		name = emailInText.ReplaceAllString(name, "")
		name = strings.NewReplacer("()", "", "<>", "", "[]", "").Replace(name)
		name = strings.Trim(strings.Join(strings.Fields(name), " "), " ()<>[],;:-")
	}
	return sanitize.Truncate(name, MaxNameLength)
}
