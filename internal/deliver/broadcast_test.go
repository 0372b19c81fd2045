package deliver_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/internal/audience"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/store"
	"github.com/vigie-hq/vigie/internal/store/storetest"
)

// account is a sink that posts to the organisation's own account.
type account struct {
	*sink
	handle, lang string
	audiences    []string
}

func (a account) Account() string { return a.handle }
func (a account) Lang() string    { return a.lang }
func (a account) Audiences() []string {
	if a.audiences == nil {
		return []string{"customers", "partners", "press"}
	}
	return a.audiences
}

func (w *world) publishTemplate(t testing.TB, drill bool, template string) (int64, int64) {
	t.Helper()
	res, err := w.svc.Declare(context.Background(), w.marie, incident.DeclareInput{Scenario: "whatsapp-outage", Drill: drill})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := w.svc.Messages(context.Background(), res.Incident.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range msgs {
		if d.TemplateID == template && d.State != incident.Published {
			if _, err := w.svc.Publish(context.Background(), w.marie, d.ID); err != nil {
				t.Fatal(err)
			}
			return d.ID, res.Incident.ID
		}
	}
	t.Fatalf("no %s draft", template)
	return 0, 0
}

func TestBroadcastPostsOncePerMessageInTheAccountLanguage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.subscribe(t, "a@example.org", "fr") // subscribers play no part in account channels
		fr := account{sink: newSink("mastodon"), handle: "@cafeexpress@piaille.fr", lang: "fr"}
		fr.channel = "mastodon"
		en := account{sink: newSink("bluesky"), handle: "cafe-express.bsky.social", lang: "en"}
		en.channel = "bluesky"
		de := account{sink: newSink("x"), handle: "@CafeExpressLyon", lang: "de"} // no German text: default language
		de.channel = "x"
		msg, inc := w.publishTemplate(t, false, "wa-ack-social")
		e := deliver.New(db, []deliver.Sender{fr, en, de}, fastOptions())
		drain(t, e)
		for _, tc := range []struct {
			a    account
			lang string
			word string
		}{{fr, "fr", "panne"}, {en, "en", "down"}, {de, "fr", "panne"}} {
			distinct, total := tc.a.count()
			if distinct != 1 || total != 1 {
				t.Fatalf("%s: %d posts (%d distinct), want exactly one", tc.a.channel, total, distinct)
			}
			for _, it := range tc.a.items {
				if it.Address != tc.a.handle || it.Lang != tc.lang || !strings.Contains(it.Text, tc.word) || it.MessageID != msg || it.IncidentID != inc {
					t.Errorf("%s: posted %+v", tc.a.channel, it)
				}
			}
		}
		reach, err := e.Reach(context.Background(), msg)
		if err != nil || reach["mastodon"]["sent"] != 1 || reach["bluesky"]["sent"] != 1 {
			t.Fatalf("reach %v %v", reach, err)
		}
		drain(t, e)
		if _, total := fr.count(); total != 1 {
			t.Fatalf("second run posted again: %d", total)
		}
	})
}

func TestBroadcastSkipsDrillsAndOtherAudiences(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		x := account{sink: newSink("x"), handle: "@CafeExpressLyon", lang: "fr"}
		x.channel = "x"
		slack := account{sink: newSink("slack"), handle: "#crise", lang: "fr", audiences: []string{"staff"}}
		slack.channel = "slack"
		w.publishTemplate(t, true, "wa-ack-social")
		if _, err := w.svc.Transition(context.Background(), w.marie, 1, incident.Resolved, "drill over"); err != nil {
			t.Fatal(err)
		}
		w.publishTemplate(t, false, "wa-ack-couriers") // audience staff, channels sms + slack
		w.publishTemplate(t, false, "wa-ack-social")   // customers, channels x, mastodon…
		drain(t, deliver.New(db, []deliver.Sender{x, slack}, fastOptions()))
		if _, total := x.count(); total != 1 {
			t.Fatalf("x: %d posts, want 1 (the real acknowledgement, not the drill)", total)
		}
		if _, total := slack.count(); total != 1 {
			t.Fatalf("the staff chat got %d messages, want the couriers' one", total)
		}
		for _, it := range slack.items {
			if !strings.Contains(it.Text, "Livreurs") {
				t.Fatalf("staff chat got %q", it.Text)
			}
		}
	})
}

// channelAccount is an account whose channel has subscribers of its own.
type channelAccount struct{ account }

func (channelAccount) AlsoSubscribers() bool { return true }

// A Telegram-like channel posts once in its channel and sends a direct
// message to every chat that started the bot, each in its language, in
// several expansion chunks, and never twice.
func TestBroadcastAlsoReachesTheChannelSubscribers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		var csv strings.Builder
		csv.WriteString("channel,address,lang\n")
		for i := range 7 {
			lang := "fr"
			if i%3 == 0 {
				lang = "en"
			}
			fmt.Fprintf(&csv, "telegram,%d,%s\n", 5000+i, lang)
		}
		if _, err := w.subs.Import(context.Background(), strings.NewReader(csv.String()), audience.ImportOptions{Source: "test", Wording: "v1", Langs: []string{"fr", "en"}}); err != nil {
			t.Fatal(err)
		}
		tg := channelAccount{account{sink: newSink("telegram"), handle: "telegram @CafeExpressLyon", lang: "fr"}}
		tg.channel = "telegram"
		msg, _ := w.publishTemplate(t, false, "wa-ack-social")
		opts := fastOptions()
		opts.ExpandChunk = 2
		e := deliver.New(db, []deliver.Sender{tg}, opts)
		drain(t, e)
		drain(t, e)
		distinct, total := tg.count()
		if distinct != 8 || total != 8 {
			t.Fatalf("%d deliveries (%d distinct), want the channel post and 7 direct messages", total, distinct)
		}
		posts := 0
		for _, it := range tg.items {
			want := "panne"
			if it.Address == tg.handle {
				posts++
			} else if n, _ := strconv.Atoi(it.Address); (n-5000)%3 == 0 {
				want = "down"
			}
			if !strings.Contains(it.Text, want) {
				t.Errorf("%s got %q", it.Address, it.Text)
			}
		}
		if posts != 1 {
			t.Fatalf("%d channel posts", posts)
		}
		reach, err := e.Reach(context.Background(), msg)
		if err != nil || reach["telegram"]["sent"] != 8 {
			t.Fatalf("reach %v %v", reach, err)
		}
	})
}
