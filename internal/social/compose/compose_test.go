package compose

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const (
	sentence = "Nos commandes WhatsApp sont en panne. Commandez par SMS au 06 00 00 12 34."
	status   = "https://cafe-express.example/statut"
)

var tags = []string{"#WhatsAppDown", "#CafeExpress"}

func TestCompose(t *testing.T) {
	tests := []struct {
		name         string
		profile      Profile
		in           Input
		want         string
		wantWarnings int
	}{
		{
			name:    "x keeps one line",
			profile: XProfile(),
			in:      Input{Text: sentence, Hashtags: tags, Link: status},
			want:    sentence + " " + status + " #WhatsAppDown #CafeExpress",
		},
		{
			name:    "facebook puts hashtags in their own paragraph",
			profile: FacebookProfile(),
			in:      Input{Text: sentence, Hashtags: tags, Link: status},
			want:    sentence + "\n\n" + status + "\n\n#WhatsAppDown #CafeExpress",
		},
		{
			name:    "hashtag already in text is not repeated, whatever its case",
			profile: MastodonProfile(0),
			in:      Input{Text: "#whatsappdown " + sentence, Hashtags: tags},
			want:    "#whatsappdown " + sentence + "\n\n#CafeExpress",
		},
		{
			name:    "a longer tag in the text does not count as the shorter one",
			profile: XProfile(),
			in:      Input{Text: "#WhatsAppDownAgain", Hashtags: tags},
			want:    "#WhatsAppDownAgain #WhatsAppDown #CafeExpress",
		},
		{
			name:    "hashtags without # and duplicates in the plan",
			profile: XProfile(),
			in:      Input{Text: "Panne.", Hashtags: []string{"WhatsAppDown", "#whatsappdown", " #CafeExpress "}},
			want:    "Panne. #WhatsAppDown #CafeExpress",
		},
		{
			name:         "malformed hashtag is a warning, not a failure",
			profile:      XProfile(),
			in:           Input{Text: "Panne.", Hashtags: []string{"#Café Express", "#", "#2026", "#Panne"}},
			want:         "Panne. #Panne",
			wantWarnings: 3,
		},
		{
			name:    "link already in the text is not repeated",
			profile: LinkedInProfile(),
			in:      Input{Text: "Suivez " + status + " pour la suite.", Link: status},
			want:    "Suivez " + status + " pour la suite.",
		},
		{
			name:    "text is trimmed and line endings normalised",
			profile: TelegramProfile(false),
			in:      Input{Text: "  Ligne 1\r\nLigne 2\n"},
			want:    "Ligne 1\nLigne 2",
		},
		{
			name:         "trailing hashtags dropped when they do not fit",
			profile:      XProfile(),
			in:           Input{Text: strings.Repeat("a", 265), Hashtags: tags},
			want:         strings.Repeat("a", 265) + " #WhatsAppDown",
			wantWarnings: 1,
		},
		{
			name:         "every hashtag dropped, text untouched",
			profile:      XProfile(),
			in:           Input{Text: strings.Repeat("a", 275), Hashtags: tags},
			want:         strings.Repeat("a", 275),
			wantWarnings: 2,
		},
		{
			name:         "instagram keeps 5 hashtags",
			profile:      InstagramProfile(0),
			in:           Input{Text: "Panne #WhatsAppDown", Hashtags: numberedTags(6)},
			want:         "Panne #WhatsAppDown\n\n" + strings.Join(numberedTags(4), " "),
			wantWarnings: 2,
		},
		{
			name:         "instagram account still allowed 30",
			profile:      InstagramProfile(30),
			in:           Input{Text: "Panne #WhatsAppDown", Hashtags: numberedTags(31)},
			want:         "Panne #WhatsAppDown\n\n" + strings.Join(numberedTags(29), " "),
			wantWarnings: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post, err := Compose(tt.profile, tt.in)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if post.Text != tt.want {
				t.Errorf("text:\n got %q\nwant %q", post.Text, tt.want)
			}
			if len(post.Warnings) != tt.wantWarnings {
				t.Errorf("warnings = %q, want %d", post.Warnings, tt.wantWarnings)
			}
			if post.Length != tt.profile.Length(post.Text) || post.Length > post.Limit {
				t.Errorf("length %d, limit %d, recount %d", post.Length, post.Limit, tt.profile.Length(post.Text))
			}
		})
	}
}

func numberedTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("#Tag%d", i+1)
	}
	return out
}

func TestComposeTooLong(t *testing.T) {
	tests := []struct {
		name                  string
		profile               Profile
		text                  string
		wantLength, wantLimit int
		wantUnit              string
	}{
		{"x weighted", XProfile(), strings.Repeat("é", 250) + strings.Repeat("日", 20), 290, 280, unitWeighted},
		{"bluesky graphemes", BlueskyProfile(), strings.Repeat(eAcute, 301), 301, 300, unitGraphemes},
		{"bluesky bytes", BlueskyProfile(), strings.Repeat(family, 200), 3600, 3000, "bytes"},
		{"mastodon default", MastodonProfile(0), strings.Repeat("a", 501), 501, 500, unitGraphemes},
		{"telegram caption", TelegramProfile(true), strings.Repeat("a", 1100), 1100, 1024, unitCharacters},
		{"instagram", InstagramProfile(0), strings.Repeat("😀", 1101), 2202, 2200, unitCharacters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post, err := Compose(tt.profile, Input{Text: tt.text, Hashtags: tags})
			var le *LengthError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LengthError", err)
			}
			if le.Length != tt.wantLength || le.Limit != tt.wantLimit || le.Unit != tt.wantUnit {
				t.Errorf("got %d/%d %s, want %d/%d %s", le.Length, le.Limit, le.Unit, tt.wantLength, tt.wantLimit, tt.wantUnit)
			}
			msg := err.Error()
			for _, part := range []string{string(tt.profile.Platform), fmt.Sprint(tt.wantLength), fmt.Sprint(tt.wantLimit),
				fmt.Sprintf("by %d", tt.wantLength-tt.wantLimit)} {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q lacks %q", msg, part)
				}
			}
			if post.Text != tt.text {
				t.Errorf("text was changed: the text itself is never cut")
			}
		})
	}
}

func TestComposeErrors(t *testing.T) {
	tests := []struct {
		name    string
		profile Profile
		in      Input
		want    error
	}{
		{"empty", XProfile(), Input{Text: " \n "}, ErrEmptyText},
		{"link without scheme", XProfile(), Input{Text: "Panne", Link: "cafe.fr"}, ErrInvalidLink},
		{"javascript link", XProfile(), Input{Text: "Panne", Link: "javascript:alert(1)"}, ErrInvalidLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compose(tt.profile, tt.in); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestComposeTooManyHashtagsInText(t *testing.T) {
	_, err := Compose(InstagramProfile(0), Input{Text: "Panne " + strings.Join(numberedTags(6), " ")})
	var he *HashtagLimitError
	if !errors.As(err, &he) || he.Count != 6 || he.Limit != 5 {
		t.Fatalf("err = %v, want 6 of 5 hashtags", err)
	}
	if !strings.Contains(err.Error(), "remove 1") {
		t.Errorf("message %q does not say how many to remove", err)
	}
}

func TestMastodonLimitIsPerInstance(t *testing.T) {
	in := Input{Text: strings.Repeat("a", 600)}
	if _, err := Compose(MastodonProfile(1000), in); err != nil {
		t.Errorf("1000-character instance: %v", err)
	}
	if _, err := Compose(MastodonProfile(0), in); err == nil {
		t.Error("default instance accepted 600 characters")
	}
}

func TestProfileFor(t *testing.T) {
	tests := []struct {
		platform Platform
		opts     Options
		limit    int
	}{
		{X, Options{}, 280},
		{Bluesky, Options{}, 300},
		{Mastodon, Options{}, 500},
		{Mastodon, Options{MastodonLimit: 5000}, 5000},
		{Facebook, Options{}, 63206},
		{Instagram, Options{}, 2200},
		{LinkedIn, Options{}, 3000},
		{Telegram, Options{}, 4096},
		{Telegram, Options{WithImage: true}, 1024},
	}
	for _, tt := range tests {
		p, err := ProfileFor(tt.platform, tt.opts)
		if err != nil || p.Limit != tt.limit || p.Platform != tt.platform || p.Count == nil {
			t.Errorf("ProfileFor(%s, %+v) = limit %d, %v; want %d", tt.platform, tt.opts, p.Limit, err, tt.limit)
		}
	}
	if p, _ := ProfileFor(Instagram, Options{}); p.MaxHashtags != 5 {
		t.Errorf("instagram default cap = %d, want 5", p.MaxHashtags)
	}
	if p, _ := ProfileFor(Instagram, Options{InstagramMaxHashtags: 30}); p.MaxHashtags != 30 {
		t.Errorf("instagram cap override = %d, want 30", p.MaxHashtags)
	}
	if _, err := ProfileFor("myspace", Options{}); !errors.Is(err, ErrUnknownPlatform) {
		t.Errorf("unknown platform: err = %v", err)
	}
}

func TestPreview(t *testing.T) {
	ok := NewPreview(XProfile(), Input{Text: "Panne.", Hashtags: tags})
	if ok.Blocking() || ok.Length != 33 || ok.Remaining() != 247 {
		t.Errorf("preview = %+v", ok)
	}
	long := strings.Repeat("a", 300)
	bad := NewPreview(XProfile(), Input{Text: long})
	if !bad.Blocking() || bad.Text != long || bad.Length != 300 || bad.Remaining() != -20 {
		t.Errorf("over-length preview = %+v", bad)
	}
}
