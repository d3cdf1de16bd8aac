package parse

import (
	"bytes"
	"strings"
)

// maxSectionsPerText bounds the comments, CDATA sections and processing
// instructions that may split one element's text on the fast path: gofeed
// reassembles such text piece by piece, at a cost of pieces × length.
const maxSectionsPerText = 4

// quickScan is the fast path's structural check: one pass over the bytes,
// no tokens, that proves a well-behaved document is within every bound
// scanXML enforces (depth, elements, attributes, namespaces, items, split
// text) and needs no namespace rewrite. It is conservative: anything it
// cannot judge cheaply (a stray '<', an odd namespace spelling, a deep or
// big document) answers ok=false, and the document takes the full
// streaming path. items counts every item and entry start tag, wherever it
// is, so that a feed whose items gofeed does not all see (an element left
// open around them, a break) is sent down the full path too. respell lists
// the namespace declaration values to replace for gofeed, as insertions
// in place of the value (rewriteNamespaces' job on the full path): WordPress's
// http://wellformedweb.org/CommentAPI/ is one, in nearly every feed.
func quickScan(body []byte) (items int, respell []insertion, ok bool) {
	depth, elements, attrs, namespaces, sections := 0, 0, 0, 0, 0
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			return items, respell, depth == 0
		}
		i += j
		rest := body[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")), bytes.HasPrefix(rest, []byte("<![CDATA[")):
			if sections++; sections > maxSectionsPerText {
				return 0, nil, false
			}
			end := "-->"
			if rest[2] == '[' {
				end = "]]>"
			}
			k := bytes.Index(rest[4:], []byte(end))
			if k < 0 {
				return 0, nil, false
			}
			i += 4 + k + len(end)
			continue
		case bytes.HasPrefix(rest, []byte("<?")):
			if sections++; sections > maxSectionsPerText {
				return 0, nil, false
			}
			k := bytes.Index(rest, []byte("?>"))
			if k < 0 {
				return 0, nil, false
			}
			i += k + 2
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			if bytes.HasPrefix(rest, []byte("<!DOCTYPE")) && bytes.IndexByte(rest[:min(len(rest), 4096)], '[') >= 0 {
				return 0, nil, false // an internal subset: let the decoder judge it
			}
			k := bytes.IndexByte(rest, '>')
			if k < 0 {
				return 0, nil, false
			}
			i += k + 1
			continue
		case bytes.HasPrefix(rest, []byte("</")):
			k := bytes.IndexByte(rest, '>')
			if k < 0 {
				return 0, nil, false
			}
			if depth--; depth < 0 {
				return 0, nil, false
			}
			sections = 0
			i += k + 1
			continue
		}
		if len(rest) < 2 || !nameStart(rest[1]) {
			return 0, nil, false
		}
		// A start tag: its name, then attributes up to an unquoted '>'.
		k := 1
		for k < len(rest) && !isSpace(rest[k]) && rest[k] != '>' && rest[k] != '/' {
			k++
		}
		name := rest[1:k]
		n, selfClosing := 0, false
		for k < len(rest) {
			c := rest[k]
			if c == '>' {
				selfClosing = rest[k-1] == '/'
				break
			}
			if isSpace(c) {
				k++
				continue
			}
			if c == '/' {
				k++
				continue
			}
			// An attribute: name = quoted value.
			a := k
			for k < len(rest) && rest[k] != '=' && rest[k] != '>' && !isSpace(rest[k]) {
				k++
			}
			aname := rest[a:k]
			for k < len(rest) && isSpace(rest[k]) {
				k++
			}
			if k >= len(rest) || rest[k] != '=' {
				return 0, nil, false // an attribute without a value
			}
			k++
			for k < len(rest) && isSpace(rest[k]) {
				k++
			}
			if k >= len(rest) || rest[k] != '"' && rest[k] != '\'' {
				return 0, nil, false
			}
			q := rest[k]
			end := bytes.IndexByte(rest[k+1:], q)
			if end < 0 {
				return 0, nil, false
			}
			value := rest[k+1 : k+1+end]
			k += end + 2
			if n++; n > MaxAttrs {
				return 0, nil, false
			}
			if bytes.Equal(aname, []byte("xmlns")) || bytes.HasPrefix(aname, []byte("xmlns:")) {
				if namespaces++; namespaces > MaxNamespaces {
					return 0, nil, false
				}
				if v := string(value); canonicalNamespace(v) != "" && canonicalNamespace(v) != v {
					if len(respell) == MaxNamespaces {
						return 0, nil, false
					}
					at := i + k - end - 1 // value's offset in body
					respell = append(respell, insertion{off: at, cut: len(value), text: canonicalNamespace(v)})
				}
			}
		}
		if k >= len(rest) {
			return 0, nil, false
		}
		if attrs += n; attrs > MaxAttributes {
			return 0, nil, false
		}
		if elements++; elements > MaxElements {
			return 0, nil, false
		}
		local := name
		if c := bytes.LastIndexByte(local, ':'); c >= 0 {
			local = local[c+1:]
		}
		if l := strings.ToLower(string(local)); l == "item" || l == "entry" {
			if items++; items > MaxItems {
				return 0, nil, false
			}
		}
		if !selfClosing {
			if depth++; depth > MaxDepth {
				return 0, nil, false
			}
		}
		sections = 0
		i += k + 1
	}
	return items, respell, depth == 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
