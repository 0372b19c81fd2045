package email

import (
	"bytes"
	"context"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/email/emailtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func mustMessage(t testing.TB, s *Sender, m Mail) []byte {
	t.Helper()
	from, _ := mail.ParseAddress(s.from)
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.message(from, to, m)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// parts parses a received message and returns its decoded parts by media
// type, with LF line ends, and the raw lines of the message.
func parts(t *testing.T, data string) (map[string]string, []string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	var order []string
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if pp["charset"] != "utf-8" {
			t.Errorf("%s: charset %q", pt, pp["charset"])
		}
		var body io.Reader = p
		switch cte := p.Header.Get("Content-Transfer-Encoding"); cte {
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		case "8bit", "7bit":
		default:
			t.Fatalf("%s: Content-Transfer-Encoding %q", pt, cte)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		out[pt] = strings.ReplaceAll(string(b), "\r\n", "\n")
		order = append(order, pt)
	}
	if strings.Join(order, ",") != "text/plain,text/html" {
		t.Fatalf("parts %v, want text then HTML", order)
	}
	return out, strings.Split(data, "\r\n")
}

func TestHTMLPart(t *testing.T) {
	srv := emailtest.Start(t)
	s, _ := New(srv.URL(), "Café Express <alertes@cafe-express.fr>")
	body := "Bonjour <b>Léa</b>,\n<script>alert(1)</script>\n\nSuivez https://status.cafe-express.fr/incidents/42?x=1&y=2.\n(voir https://cafe-express.fr/aide)\n\n- Confirmer le périmètre\n- Vérifier les SMS\n\nPas de lien : javascript:alert(1) ftp://x.example xhttp://y.example"
	err := s.Send(context.Background(), Mail{To: "lea@example.org", Subject: "Panne <WhatsApp>", Body: body, Lang: "fr", UnsubscribeURL: "https://status.example/u?id=1&sig=\"x\""})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	got, _ := parts(t, msgs[0].Data)
	text, html := got["text/plain"], got["text/html"]
	if !strings.HasPrefix(text, "Bonjour <b>Léa</b>,\n<script>") || !strings.Contains(text, "Ne plus recevoir ces alertes :\nhttps://status.example/u?id=1&sig=\"x\"") {
		t.Errorf("text part:\n%s", text)
	}
	for _, want := range []string{
		`<html lang="fr">`,
		`<title>Panne &lt;WhatsApp&gt;</title>`,
		`Bonjour &lt;b&gt;Léa&lt;/b&gt;,<br>` + "\n" + `&lt;script&gt;alert(1)&lt;/script&gt;</p>`,
		`Suivez <a href="https://status.cafe-express.fr/incidents/42?x=1&amp;y=2" style="` + linkStyle + `">https://status.cafe-express.fr/incidents/42?x=1&amp;y=2</a>.`,
		`(voir <a href="https://cafe-express.fr/aide" style="` + linkStyle + `">https://cafe-express.fr/aide</a>)`,
		"<li>Confirmer le périmètre</li>\n<li>Vérifier les SMS</li>\n</ul>",
		`Pas de lien : javascript:alert(1) ftp://x.example xhttp://y.example</p>`,
		"<a\nhref=\"https://status.example/u?id=1&amp;sig=&#34;x&#34;\"\nstyle=\"" + linkStyle + `">Ne plus recevoir ces alertes</a></p>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, html)
		}
	}
	for _, bad := range []string{"<script", "<b>", "<img", "src=", "url(", "@import", "<link", "javascript:alert(1)</a>"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part contains %q:\n%s", bad, html)
		}
	}
	if strings.Count(html, "<a ")+strings.Count(html, "<a\n") != 3 {
		t.Errorf("want 3 links (2 in the text, 1 unsubscribe):\n%s", html)
	}
}

func TestHTMLWithoutLangOrUnsubscribe(t *testing.T) {
	s, _ := New("smtp://127.0.0.1:2525", "alertes@cafe-express.fr")
	for _, lang := range []string{"", `fr" onload="x`} {
		msg := mustMessage(t, s, Mail{To: "a@example.org", Subject: "x", Body: "y", Lang: lang})
		got, _ := parts(t, string(msg))
		if !strings.Contains(got["text/html"], "<html>\n") || strings.Contains(got["text/html"], "<a ") || strings.Contains(string(msg), "List-Unsubscribe") {
			t.Errorf("lang %q:\n%s", lang, msg)
		}
	}
}

// TestLongLines checks that no line of the message exceeds RFC 5322's 998
// octets and that long lines come back intact.
func TestLongLines(t *testing.T) {
	s, _ := New("smtp://127.0.0.1:2525", "alertes@cafe-express.fr")
	long := strings.Repeat("Commandez par SMS au 06 00 00 12 34, é. ", 60) // ~2,500 octets, one line
	url := "https://status.example/" + strings.Repeat("a", 1200)
	m := Mail{To: "a@example.org", Subject: strings.Repeat("Panne WhatsApp étendue ", 12), Body: "court\n" + long + "\n" + url}
	msg := mustMessage(t, s, m)
	got, lines := parts(t, string(msg))
	for i, l := range lines {
		if len(l) > 998 {
			t.Fatalf("line %d has %d octets", i, len(l))
		}
	}
	if !strings.Contains(string(msg), "Content-Transfer-Encoding: quoted-printable") {
		t.Error("long lines not encoded")
	}
	if want := "court\n" + long + "\n" + url; got["text/plain"] != want {
		t.Errorf("text part changed:\n%q\nwant\n%q", got["text/plain"], want)
	}
	if !strings.Contains(got["text/html"], `<a href="`+url+`"`) {
		t.Error("long URL not linked")
	}
	// Short lines keep the readable 8bit form.
	short := mustMessage(t, s, Mail{To: "a@example.org", Subject: "x", Body: "court\n" + strings.Repeat("é", 499)})
	if !bytes.Contains(short, []byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n")) {
		t.Errorf("998-octet line encoded:\n%s", short)
	}
	// The subject is folded, and decodes to the original.
	hdr, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(hdr.Header.Get("Subject")); err != nil || subj != m.Subject {
		t.Errorf("subject %q, %v", subj, err)
	}
}

func TestFindURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"see https://a.example/x.", "https://a.example/x"},
		{"(https://a.example/wiki/Foo_(bar))", "https://a.example/wiki/Foo_(bar)"},
		{"HTTP://A.EXAMPLE/?q=1&r=2!", "HTTP://A.EXAMPLE/?q=1&r=2"},
		{`"https://a.example/"`, "https://a.example/"},
		{"<https://a.example/x>", "https://a.example/x"},
		{"http://", ""},
		{"https://.", ""},
		{"ftp://a.example", ""},
		{"xhttps://a.example", ""},
		{"httpx https://b.example", "https://b.example"},
	} {
		start, end := findURL(tt.in)
		got := ""
		if start >= 0 {
			got = tt.in[start:end]
		}
		if got != tt.want {
			t.Errorf("findURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHTMLGolden pins the whole document (go test -run HTMLGolden -update
// rewrites it after an intended change).
func TestHTMLGolden(t *testing.T) {
	var b bytes.Buffer
	renderHTML(&b, "Bonjour,\n\nWhatsApp est en panne depuis 9 h 10.\nCommandez par SMS au 06 00 00 12 34 ou sur https://cafe-express.fr/commande.\n\n- Livraisons maintenues\n- Retrait en boutique\n", "Panne WhatsApp", "fr", "https://status.cafe-express.fr/unsubscribe?id=1&sig=x")
	path := filepath.Join("testdata", "alert.html")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("HTML differs from %s (-update to accept):\n%s", path, b.Bytes())
	}
}
