package sanitize_test

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"syndicate/sanitize"
)

var base, _ = url.Parse("https://partner.example/2026/11/story/")

// unsafe reports why sanitized HTML is not safe, or "": it tokenizes the
// output as a browser would and looks at every element and attribute.
func unsafe(out string, iframes bool) string {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "form", "input", "button", "object", "embed", "svg", "math", "base", "meta", "link", "frame", "frameset", "applet", "textarea", "select":
			return "element " + tok.Data
		case "iframe":
			if !iframes {
				return "iframe"
			}
		}
		for _, a := range tok.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") || k == "style" || k == "srcset" || k == "formaction" {
				return "attribute " + k
			}
			switch k {
			case "href", "src", "action", "background", "dynsrc", "lowsrc", "poster", "cite", "xlink:href", "data":
				u, err := url.Parse(strings.TrimSpace(a.Val))
				if err != nil {
					return "unparseable url " + a.Val
				}
				if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" {
					return "url scheme " + u.Scheme
				}
			}
		}
	}
}

// xssVectors are our own restatement of the OWASP XSS filter evasion
// cheat sheet's families: each must come out harmless.
var xssVectors = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<IMG SRC=javascript:alert('XSS')>`,
	`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
	"<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
	`<a onmouseover="alert(document.cookie)">xxs link</a>`,
	`<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\>`,
	`<IMG SRC=# onmouseover="alert('xxs')">`,
	`<IMG SRC= onmouseover="alert('xxs')">`,
	`<IMG onmouseover="alert('xxs')">`,
	`<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
	`<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`,
	`<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
	`<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
	`<IMG SRC="jav	ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x09;ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
	`<IMG SRC=" &#14;  javascript:alert('XSS');">`,
	`<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>`,
	`<BODY onload!#$%&()*~+-_.,:;?@[/|\]^` + "`" + `=alert("XSS")>`,
	`<<SCRIPT>alert("XSS");//\<</SCRIPT>`,
	`<SCRIPT SRC=//xss.example/.j>`,
	`<IMG SRC="` + "`" + `<javascript:alert>` + "`" + `('XSS')"`,
	`<iframe src=http://xss.example/scriptlet.html <`,
	`\";alert('XSS');//`,
	`</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
	`<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
	`<BODY BACKGROUND="javascript:alert('XSS')">`,
	`<IMG DYNSRC="javascript:alert('XSS')">`,
	`<IMG LOWSRC="javascript:alert('XSS')">`,
	`<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
	`<svg/onload=alert('XSS')>`,
	`<BODY ONLOAD=alert('XSS')>`,
	`<BGSOUND SRC="javascript:alert('XSS');">`,
	`<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
	`<STYLE>@import'https://xss.example/xss.css';</STYLE>`,
	`<META HTTP-EQUIV="Link" Content="<https://xss.example/xss.css>; REL=stylesheet">`,
	`<IMG STYLE="xss:expr/*XSS*/ession(alert('XSS'))">`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">`,
	`<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`,
	`<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>`,
	`<TABLE BACKGROUND="javascript:alert('XSS')">`,
	`<TD BACKGROUND="javascript:alert('XSS')">`,
	`<DIV STYLE="background-image: url(javascript:alert('XSS'))">`,
	`<DIV STYLE="width: expression(alert('XSS'));">`,
	`<BASE HREF="javascript:alert('XSS');//">`,
	`<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/scriptlet.html"></OBJECT>`,
	`<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<form action="https://evil.example/"><input name=a><button>go</button></form>`,
	`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
	`<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->`,
	`<XSS STYLE="behavior: url(xss.htc);">`,
	`<a href="  javascript:alert(1)">x</a>`,
	`<a href="java&#0000115;cript:alert(1)">x</a>`,
	`<img src="x.png" alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">`,
}

func TestPolicy_HTML_XSSVectors(t *testing.T) {
	p := sanitize.New(sanitize.Options{IframeHosts: []string{"www.youtube.com"}})
	for i, v := range xssVectors {
		got := p.HTML(v, base)
		if why := unsafe(got, true); why != "" || strings.Contains(strings.ToLower(got), "<iframe") {
			t.Errorf("vector %d survived (%s):\n in: %s\nout: %s", i, why, v, got)
		}
	}
}

func TestPolicy_HTML(t *testing.T) {
	p := sanitize.New(sanitize.Options{IframeHosts: []string{"www.youtube.com", ".vimeo.com"}})
	tests := []struct {
		name, in   string
		want, deny []string
	}{
		{"RelativeLinkAbsolute", `<a href="/2026/11/other/">x</a>`, []string{`href="https://partner.example/2026/11/other/"`}, nil},
		{"RelativeImageAbsolute", `<img src="photo.jpg" alt="p">`, []string{`src="https://partner.example/2026/11/story/photo.jpg"`}, nil},
		{"SrcsetDropped", `<img src="a.jpg" srcset="javascript:x 1x, /b.jpg 2x">`, []string{`src="https://partner.example/2026/11/story/a.jpg"`}, []string{"srcset"}},
		{"HTTPSImageKept", `<img src="https://cdn.example/x.png">`, []string{`src="https://cdn.example/x.png"`}, nil},
		{"DataImageDropped", `<img src="data:image/png;base64,AAAA">`, nil, []string{"data:"}},
		{"AllowedIframe", `<iframe src="https://www.youtube.com/embed/xyz" width="560" height="315"></iframe>`, []string{`<iframe src="https://www.youtube.com/embed/xyz"`}, nil},
		{"SubdomainIframe", `<iframe src="https://player.vimeo.com/video/1"></iframe>`, []string{`player.vimeo.com`}, nil},
		{"OtherIframe", `<p>a</p><iframe src="https://evil.example/x">inner</iframe><p>b</p>`, []string{"<p>a</p>", "<p>b</p>"}, []string{"iframe", "evil", "inner"}},
		{"HTTPIframeDropped", `<iframe src="http://www.youtube.com/embed/xyz"></iframe>`, nil, []string{"iframe"}},
		{"ScriptGone", `<p>Hi<script>alert(1)</script></p>`, []string{"<p>Hi</p>"}, []string{"alert"}},
		{"ControlCharsGone", "<p>a\x0bb\x00c</p>", []string{"<p>abc</p>"}, nil},
		{"ExternalLinkFollowable", `<a href="https://other.example/">o</a>`, []string{`<a href="https://other.example/">o</a>`}, []string{"nofollow"}},
		{"EntitiesKept", `<p>caf&eacute; &amp; bar</p>`, []string{"café &amp; bar"}, nil},
		{"AltWithPunctuationKept", `<img src="a.jpg" alt="Tom &amp; Jerry? &quot;Yes&quot; 100%">`, []string{`alt="Tom &amp; Jerry? &#34;Yes&#34; 100%"`}, nil},
		// Feed generators close void elements (<img></img>): those end
		// tags are invalid HTML and go; </br> is a line break to a browser.
		{"VoidEndTagsDropped", `<a href="/x"><img src="a.gif" border="0"></img></a> a<br></br>b</br>c<hr></hr>`,
			[]string{`<img alt="" src="https://partner.example/2026/11/story/a.gif"></a>`, "a<br><br>b<br>c<hr>"}, []string{"</img>", "</br>", "</hr>"}},
		// xmp and plaintext hold raw text: shown as written, escaped once.
		{"XmpShownAsWritten", `<xmp><b>x</b> &amp; y</xmp>`, []string{"<pre>&lt;b&gt;x&lt;/b&gt; &amp;amp; y</pre>"}, []string{"&amp;lt;", "<b>"}},
		{"PlaintextShownAsWritten", `<p>a</p><plaintext><i>b</i>`, []string{"<p>a</p><pre>&lt;i&gt;b&lt;/i&gt;</pre>"}, []string{"&amp;lt;", "<i>"}},
		{"ListingIsPre", `<listing>a &lt; b</listing>`, []string{"<pre>a &lt; b</pre>"}, nil},
		{"TableFooterBeforeBodyIsABody", `<table><tfoot><tr><td>f</td></tr></tfoot><tbody><tr><td>b</td></tr></tbody></table>`,
			[]string{`<table><tbody><tr><td>f</td></tr></tbody><tbody><tr><td>b</td></tr></tbody></table>`}, []string{"tfoot"}},
		// An XHTML empty element is open to an HTML parser: it is written
		// empty, void elements stay as they are.
		{"SelfClosingNonVoidWrittenEmpty", `<div><span/><br/><span class="x" />t<a href="/x"/>u</div>`,
			[]string{"<div><span></span><br/><span></span>t", `"></a>u</div>`}, []string{"/>t", "/>u"}},
		{"AltQuoteBreakoutInert", `<img src="a.jpg" alt='x" onerror="alert(1)'>`, []string{`alt="x&#34; onerror=&#34;alert(1)"`}, []string{`" onerror`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.HTML(tt.in, base)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("HTML(%q) = %q, want it to contain %q", tt.in, got, w)
				}
			}
			for _, d := range tt.deny {
				if strings.Contains(got, d) {
					t.Errorf("HTML(%q) = %q, must not contain %q", tt.in, got, d)
				}
			}
		})
	}
}

func TestPolicy_HTML_NoIframeHosts(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	if got := p.HTML(`<iframe src="https://www.youtube.com/embed/x"></iframe>`, base); strings.Contains(got, "iframe") {
		t.Errorf("iframe kept without an allowlist: %q", got)
	}
}

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Plain", "Hello  world\n", "Hello world"},
		{"EntitiesOnce", "Tom &amp;amp; Jerry", "Tom &amp; Jerry"},
		{"Entity", "Caf&eacute; &mdash; bar", "Café — bar"},
		{"Tags", "<em>Big</em> news<br>today", "Big news today"},
		{"Script", "a<script>alert(1)</script>b", "ab"},
		{"Ampersand", "AT&T <News>", "AT&T"},
		{"BlockSpacing", "<p>one</p><p>two</p>", "one two"},
		{"Controls", "a\x01b", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitize.Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("word ", 100)
	got := sanitize.Truncate(s, 50)
	if n := len([]rune(got)); n > 50 || !strings.HasSuffix(got, "…") {
		t.Errorf("Truncate = %q (%d runes)", got, n)
	}
	if got := sanitize.Truncate("short", 50); got != "short" {
		t.Errorf("Truncate(short) = %q", got)
	}
}

func FuzzPolicy_HTML(f *testing.F) {
	for _, v := range xssVectors {
		f.Add(v, "https://partner.example/a/")
	}
	f.Add(`<a href="/x">y</a>`, "")
	p := sanitize.New(sanitize.Options{IframeHosts: []string{"www.youtube.com"}})
	f.Fuzz(func(t *testing.T, in, baseURL string) {
		b, _ := url.Parse(baseURL)
		got := p.HTML(in, b)
		if why := unsafe(got, true); why != "" {
			t.Fatalf("unsafe output (%s) for %q: %q", why, in, got)
		}
		if sanitize.ValidXML(got) != got {
			t.Fatalf("XML-invalid characters in %q", got)
		}
		// A bound no output can reach changes nothing; a bound the output
		// passes refuses it.
		if within, fits := p.HTMLWithin(in, b, 8*len(in)+8192); !fits || within != got {
			t.Fatalf("HTMLWithin(8x) = %q, %v; HTML = %q", within, fits, got)
		}
		// (The balancing after the policy at most doubles and a bit what
		// the policy wrote: <b> becomes <b></b>.)
		if max := len(got)/3 - 1; max >= 0 {
			if _, fits := p.HTMLWithin(in, b, max); fits {
				t.Fatalf("HTMLWithin(%d) fits %q", max, got)
			}
		}
		txt := sanitize.Text(in)
		if sanitize.ValidXML(txt) != txt {
			t.Fatalf("XML-invalid characters in text %q", txt)
		}
	})
}

func BenchmarkPolicy_HTML(b *testing.B) {
	p := sanitize.New(sanitize.Options{IframeHosts: []string{"www.youtube.com"}})
	in := strings.Repeat(`<p>Some <a href="/rel/link">linked</a> text with <img src="photo.jpg" alt="x"> and <script>alert(1)</script><em>emphasis</em>.</p>`, 12)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		p.HTML(in, base)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Tom &amp; Jerry", "Tom & Jerry"},
		{"&lt;img src=x onerror=alert(1)&gt;", ""},
		{"&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"}, // decoded once: still text
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
		{"<b>Bold</b> name", "Bold name"},
	}
	for _, tt := range tests {
		got := sanitize.PlainText(tt.in)
		if got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(strings.ToLower(got), "<img") || strings.Contains(strings.ToLower(got), "<script") {
			t.Errorf("PlainText(%q) kept markup: %q", tt.in, got)
		}
	}
}

func TestBidiAndTextLine(t *testing.T) {
	for _, tc := range []struct{ in, plain, line string }{
		{"Invoice \u202egpj.exe", "Invoice gpj.exe", "Invoice gpj.exe"},
		{"\u2066Ann\u2069 \u202aLee\u202c", "Ann Lee", "Ann Lee"},
		{"Use <img> tags", "Use tags", "Use <img> tags"},
		{"  a \n\t b\u0001 ", "a b", "a b"},
		{"1 < 2 & 3", "1 < 2 & 3", "1 < 2 & 3"},
	} {
		if got := sanitize.PlainText(tc.in); got != tc.plain {
			t.Errorf("PlainText(%q) = %q, want %q", tc.in, got, tc.plain)
		}
		if got := sanitize.TextLine(tc.in); got != tc.line {
			t.Errorf("TextLine(%q) = %q, want %q", tc.in, got, tc.line)
		}
	}
}

func TestHasElement(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Nice <gorilla> what's he weigh?", false},
		{"Why Vec<T> beats []T", false},
		{"1 < 2 and 3 > 2", false},
		{"Tom &amp; Jerry", false},
		{"<b>Bold</b> name", true},
		{"Use <IMG> tags", true},
		{"a <br/> b", true},
		{"a <!-- hidden --> b", true},
		{"<gorilla>x</gorilla> and <em>y</em>", true},
	} {
		if got := sanitize.HasElement(tc.in); got != tc.want {
			t.Errorf("HasElement(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestHasActive(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Use <img> tags", false},
		{"<b>bold</b> and <img src=\"x.png\">", false},
		{"1 < 2", false},
		{"<img src=x onerror=alert(1)>", true},
		{"<script>alert(1)</script>", true},
		{"<a href=\" java\tscript:alert(1)\">x</a>", true}, // whitespace inside is read conservatively
		{"<a href=\"JaVaScRiPt:alert(1)\">x</a>", true},
		{"<svg/onload=alert(1)>", true},
		{"<p style=\"x\">", true},
		{"<iframe src=//x>", true},
	} {
		if got := sanitize.HasActive(tc.in); got != tc.want {
			t.Errorf("HasActive(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// A partner controls both an item's link (the base) and its content: a
// 4 KB base and thousands of one-letter relative URLs would make every 11
// bytes of <img src=a> 4 KB of output (a 228 KB feed took 700 MB to
// sanitize). Resolving grows a fragment by at most its own length plus
// sanitize.MaxResolveGrowth; past that, URLs stay as the partner wrote them.
func TestPolicy_HTML_ResolvingIsBounded(t *testing.T) {
	long, _ := url.Parse("https://partner.example/" + strings.Repeat("p", 4000) + "/")
	in := strings.Repeat(`<img src="a">`, 2000)
	out := sanitize.New(sanitize.Options{}).HTML(in, long)
	// Balancing adds an empty alt (7 bytes) to each image without one.
	if limit := 2*len(in) + 7*strings.Count(in, "<img") + sanitize.MaxResolveGrowth + 1024; len(out) > limit {
		t.Fatalf("%d bytes of input came out as %d bytes (limit %d)", len(in), len(out), limit)
	}
	if !strings.HasPrefix(out, `<img alt="" src="https://partner.example/pppp`) || !strings.HasSuffix(out, `<img alt="" src="a">`) {
		t.Errorf("the first URLs are not resolved, or the last are: %.80s ... %s", out, out[len(out)-40:])
	}
	// An ordinary article is resolved throughout.
	in = strings.Repeat(`<p>See <a href="../other/">the other story</a> and <img src="pic.jpg" alt="x"></p>`, 50)
	if out := sanitize.New(sanitize.Options{}).HTML(in, base); strings.Contains(out, `href="../`) || strings.Contains(out, `src="pic`) {
		t.Errorf("an ordinary article is not resolved throughout: %.300s", out)
	}
}

// DEL, the C1 controls and the noncharacters are allowed but discouraged
// by XML 1.0 (the W3C feed validator warns of "bad characters") and are
// parse errors in HTML (the Nu checker: "Forbidden code point"): a partner
// title carrying one made every page it was on invalid. They go with the
// characters XML forbids, from text and HTML alike.
func TestValidXML_DropsControlsAndNoncharacters(t *testing.T) {
	const bad = "a\x7fb\u0080c\u0085d\u009fe\ufdd0f\ufdefg\ufffeh\U0001fffei\U0010ffffj\x01k"
	const want = "abcdefghijk"
	if got := sanitize.ValidXML(bad); got != want {
		t.Errorf("ValidXML(%q) = %q, want %q", bad, got, want)
	}
	if got := sanitize.TextLine(bad); got != want {
		t.Errorf("TextLine = %q", got)
	}
	if got := sanitize.PlainText("<b>" + bad + "</b>"); got != want {
		t.Errorf("PlainText = %q", got)
	}
	if got := sanitize.New(sanitize.Options{}).HTML("<p>"+bad+"</p>", base); got != "<p>"+want+"</p>" {
		t.Errorf("HTML = %q", got)
	}
	// Everything else outside ASCII is kept.
	if keep := "é €ü 😀 \u00a0\u2028"; sanitize.ValidXML(keep) != keep {
		t.Errorf("ValidXML(%q) = %q", keep, sanitize.ValidXML(keep))
	}
}

// A partner's id attributes go. Our article page has ids of its own
// (#comments, #respond, #comment-{id}, the form's fields): a partner's
// <div id="respond"> took the Reply links' target and made the page
// invalid HTML (duplicate ids), as did two partner comments on one page
// with the same id. Nothing of ours points at a partner's ids: its
// fragment links are made absolute, to the partner's own page.
func TestPolicy_HTML_DropsIDs(t *testing.T) {
	in := `<div id="respond">x</div><p id="comment-form" title="t">z<sup id="fn1"><a href="#fn1-ref">1</a></sup></p>`
	want := `<div>x</div><p title="t">z<sup><a href="https://partner.example/2026/11/story/#fn1-ref">1</a></sup></p>`
	if got := sanitize.New(sanitize.Options{}).HTML(in, base); got != want {
		t.Errorf("HTML(%s)\n = %s\nwant %s", in, got, want)
	}
}

// An http(s) URL that is no address (no host, a port past 65535) is
// dropped, and a partner's credentials leave its URLs: the Nu Html
// Checker rejected each, on the article page and in every feed's HTML.
// An image left without a source goes: HTML requires src.
func TestPolicy_HTML_URLsHTMLAccepts(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	for _, tc := range []struct{ in, want string }{
		{`<a href="http:///nohost">a</a>`, `a`},
		{`<a href="https:partner.example/x">a</a>`, `a`},
		{`<a href="https://partner.example:99999/x">a</a>`, `a`},
		{`<a href="https://user:pw@partner.example/x">a</a>`, `<a href="https://partner.example/x">a</a>`},
		{`<p><img src="http:///x.png" alt="x">t</p>`, `<p>t</p>`},
		{`<p><img src="https://user@cdn.example/x.png" alt="x"></p>`, `<p><img src="https://cdn.example/x.png" alt="x"></p>`},
		{`<p><img alt="no source">t</p>`, `<p>t</p>`},
		// Good URLs stay byte for byte.
		{`<a href="https://partner.example:8443/x?a=1#f">a</a>`, `<a href="https://partner.example:8443/x?a=1#f">a</a>`},
		{`<a href="mailto:desk@partner.example">m</a>`, `<a href="mailto:desk@partner.example">m</a>`},
	} {
		if got := p.HTML(tc.in, base); got != tc.want {
			t.Errorf("HTML(%s)\n = %s\nwant %s", tc.in, got, tc.want)
		}
	}
	c := sanitize.Comment()
	if got := c.HTML(`<a href="https://u:p@reader.example/">r</a>`, nil); strings.Contains(got, "u:p@") {
		t.Errorf("comment kept credentials: %s", got)
	}
}

// A lazy-loaded image gets its real source (the script that swaps it in
// never runs in a republished copy), and a data: placeholder is no
// source: an image with nothing else goes rather than stay without src.
func TestPolicy_HTML_LazyImages(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	for _, tc := range []struct{ name, in, want string }{
		{"PlaceholderAndDataSrc", `<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="https://cdn.example/a.jpg" alt="A"></p>`,
			`<p><img src="https://cdn.example/a.jpg" alt="A"></p>`},
		{"OnlyDataSrcRelative", `<p><img data-src="/b.jpg" alt="B"></p>`, `<p><img alt="B" src="https://partner.example/b.jpg"></p>`},
		{"WPRocket", `<p><img src="https://partner.example/blank.gif" data-lazy-src="https://cdn.example/c.jpg" alt="C"></p>`,
			`<p><img src="https://cdn.example/c.jpg" alt="C"></p>`},
		{"JQueryLazyLoad", `<p><img class="lazy" data-original="https://cdn.example/d.jpg" alt="D"></p>`, `<p><img alt="D" src="https://cdn.example/d.jpg"></p>`},
		{"DataPlaceholderOnly", `<p><img src="data:image/png;base64,iVBORw0KGgo=" alt="E">t</p>`, `<p>t</p>`},
		{"LazyAttrIsADataURL", `<p><img data-src="data:image/png;base64,iVBORw0KGgo=" alt="F">t</p>`, `<p>t</p>`},
		{"UnsafeLazySource", `<p><img data-src="javascript:alert(1)" alt="G">t</p>`, `<p>t</p>`},
		{"UnsafeSource", `<p><img src="javascript:alert(1)" alt="I">t</p>`, `<p>t</p>`},
		{"OtherScheme", `<p><img src="ftp://cdn.example/j.jpg" alt="J">t</p>`, `<p>t</p>`},
		{"PlainImageUntouched", `<p><img src="https://cdn.example/h.jpg" alt="H"></p>`, `<p><img src="https://cdn.example/h.jpg" alt="H"></p>`},
	} {
		if got := p.HTML(tc.in, base); got != tc.want {
			t.Errorf("%s: HTML(%s)\n = %s\nwant %s", tc.name, tc.in, got, tc.want)
		}
	}
}

// A cell's colspan is cut so that its row does not go past the column
// count the table's first row established (a footer cell spanning 173
// columns of a 6-column table was an HTML error: columns without a cell
// beginning in them); a table that is right stays byte for byte.
func TestPolicy_HTML_ColspanWithinTheTable(t *testing.T) {
	p := sanitize.New(sanitize.Options{})
	for _, tc := range []struct{ name, in, want string }{
		{"FooterOvershoot",
			`<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td colspan="173">total</td></tr></table>`,
			`<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td colspan="3">total</td></tr></table>`},
		{"AfterOtherCells",
			`<table><tr><td colspan="2">a</td><td>b</td></tr><tr><td>x</td><td colspan="5">y</td></tr></table>`,
			`<table><tr><td colspan="2">a</td><td>b</td></tr><tr><td>x</td><td colspan="2">y</td></tr></table>`},
		{"RightTableUntouched",
			`<table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr><tr><td colspan="2">c</td></tr></tbody></table>`,
			`<table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr><tr><td colspan="2">c</td></tr></tbody></table>`},
		{"NestedTablesCountedApart",
			`<table><tr><td>a</td><td><table><tr><td>1</td><td>2</td><td>3</td></tr></table></td></tr><tr><td colspan="9">z</td></tr></table>`,
			`<table><tr><td>a</td><td><table><tr><td>1</td><td>2</td><td>3</td></tr></table></td></tr><tr><td colspan="2">z</td></tr></table>`},
	} {
		if got := p.HTML(tc.in, base); got != tc.want {
			t.Errorf("%s: HTML(%s)\n = %s\nwant %s", tc.name, tc.in, got, tc.want)
		}
	}
}
