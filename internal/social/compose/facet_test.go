package compose

import (
	"encoding/json"
	"testing"

	"github.com/vigie-hq/vigie/internal/social"
)

func TestFacets(t *testing.T) {
	// Accents and an emoji before the tag make byte, rune and UTF-16
	// offsets all differ: '#' is rune 17, UTF-16 unit 18 and byte 22.
	text := "Panne générale 🚨 #WhatsAppDown : suivez https://café-express.example/statut. #CaféExpress"
	got := Facets(text)
	want := []struct {
		start, end int
		typ, value string
	}{
		{22, 35, FacetTag, "WhatsAppDown"},
		{45, 81, FacetLink, "https://café-express.example/statut"},
		{83, 96, FacetTag, "CaféExpress"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d facets, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		f := got[i]
		if f.Index.ByteStart != w.start || f.Index.ByteEnd != w.end {
			t.Errorf("facet %d: bytes %d-%d, want %d-%d (%q)", i, f.Index.ByteStart, f.Index.ByteEnd, w.start, w.end,
				text[f.Index.ByteStart:f.Index.ByteEnd])
		}
		feat := f.Features[0]
		if feat.Type != w.typ || feat.Tag+feat.URI != w.value {
			t.Errorf("facet %d: %+v, want %s %q", i, feat, w.typ, w.value)
		}
	}
}

func TestFacetJSON(t *testing.T) {
	b, err := json.Marshal(Facets("🚨 #WhatsAppDown"))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"index":{"byteStart":5,"byteEnd":18},"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"WhatsAppDown"}]}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestComposeBlueskyFacets(t *testing.T) {
	post, err := Compose(BlueskyProfile(), Input{Text: "Panne générale 🚨", Hashtags: tags, Link: status})
	if err != nil {
		t.Fatal(err)
	}
	if len(post.Facets) != 3 {
		t.Fatalf("facets = %+v, want link and two tags", post.Facets)
	}
	for _, f := range post.Facets {
		seg := post.Text[f.Index.ByteStart:f.Index.ByteEnd]
		if feat := f.Features[0]; seg != feat.URI && seg != "#"+feat.Tag {
			t.Errorf("facet covers %q but says %+v", seg, feat)
		}
	}
	if other, _ := Compose(XProfile(), Input{Text: "Panne", Link: status}); other.Facets != nil {
		t.Error("facets on X")
	}
}

func TestSocialFacets(t *testing.T) {
	text := "Panne 🚨 #WhatsAppDown : https://cafe-express.fr/commande"
	got := SocialFacets(Facets(text))
	if len(got) != 2 || got[0].Kind != social.FacetTag || got[0].Value != "WhatsAppDown" || text[got[0].ByteStart:got[0].ByteEnd] != "#WhatsAppDown" ||
		got[1].Kind != social.FacetLink || got[1].Value != "https://cafe-express.fr/commande" || text[got[1].ByteStart:got[1].ByteEnd] != got[1].Value {
		t.Fatalf("social facets %+v", got)
	}
}
