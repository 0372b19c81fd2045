package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/vigie-hq/vigie/examples"
	"github.com/vigie-hq/vigie/internal/channel/slack"
	"github.com/vigie-hq/vigie/internal/channel/slack/slacktest"
	"github.com/vigie-hq/vigie/internal/channel/telegram/telegramtest"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/plan"
)

// cafeExpress loads the example plan, a fresh copy for each test to
// change.
func cafeExpress(t testing.TB) *plan.Plan {
	t.Helper()
	p, _, err := plan.LoadFS(examples.FS, examplePlan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func withSetting(p *plan.Plan, channel, key, value string) {
	c := p.Channels[channel]
	settings := map[string]any{}
	for k, v := range c.Settings {
		settings[k] = v
	}
	settings[key] = value
	c.Settings = settings
	p.Channels[channel] = c
}

// The plan's Telegram channel and Slack workspace are account channels:
// one post per message in @CafeExpressLyon for the public, one in
// the couriers' channel for the team.
func TestAccountChannelsFromThePlan(t *testing.T) {
	p := cafeExpress(t)
	tg := telegramtest.Start(t, "123:tok")
	sl := slacktest.Start(t, "xoxb-test")
	sl.Channel("C07LIVREURS")
	withSetting(p, "telegram", "base_url", tg.URL())
	withSetting(p, "slack", "api_base", sl.APIBase())
	env := map[string]string{"TELEGRAM_BOT_TOKEN": "123:tok", "SLACK_BOT_TOKEN": "xoxb-test"}
	senders := channelSenders(p, func(k string) string { return env[k] }, false, "https://status.example", slog.New(slog.NewTextHandler(io.Discard, nil)))
	byChannel := map[string]deliver.Sender{}
	for _, s := range senders {
		byChannel[s.Channel()] = s
	}
	for _, tc := range []struct {
		channel, account string
		audiences        []string
	}{{"telegram", "telegram @CafeExpressLyon", []string{"customers", "partners", "press"}}, {"slack", "slack C07LIVREURS", []string{"staff"}}} {
		b, ok := byChannel[tc.channel].(deliver.Broadcaster)
		if !ok || b.Account() != tc.account || strings.Join(b.Audiences(), ",") != strings.Join(tc.audiences, ",") {
			t.Fatalf("%s: %#v", tc.channel, byChannel[tc.channel])
		}
		r := b.Send(context.Background(), []deliver.Item{{Key: "k-" + tc.channel, Address: b.Account(), Lang: "fr", Text: "WhatsApp est en panne."}})
		if r[0].Err != nil {
			t.Fatalf("%s: %v", tc.channel, r[0].Err)
		}
	}
	if m := tg.Messages(); len(m) != 1 || m[0].ChatID != "@CafeExpressLyon" {
		t.Fatalf("telegram got %+v", m)
	}
	if m := sl.Posts(); len(m) != 1 || m[0].Channel != "C07LIVREURS" {
		t.Fatalf("slack got %+v", m)
	}
}

// A person whose first preference is Slack is paged by direct message.
func TestTeamPagedOnSlack(t *testing.T) {
	p := cafeExpress(t)
	sl := slacktest.Start(t, "xoxb-test")
	sl.Channel("U07KARIM02")
	s, err := slack.New(slack.Options{Token: "xoxb-test", APIBase: sl.APIBase()})
	if err != nil {
		t.Fatal(err)
	}
	n := &teamNotifier{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), chat: map[string]deliver.Sender{"slack": s}}
	karim := p.Person("karim")
	if err := n.NotifyTeam(context.Background(), incident.Notification{IncidentID: 1, Person: *karim, Role: "communication",
		Subject: "Incident WhatsApp : vous êtes communication", Body: "Ouvrez la salle de crise."}); err != nil {
		t.Fatal(err)
	}
	posts := sl.Posts()
	if len(posts) != 1 || posts[0].Channel != "U07KARIM02" || !strings.Contains(posts[0].Text+blocksText(posts[0]), "salle de crise") {
		t.Fatalf("slack posts: %+v", posts)
	}
}

func blocksText(p slacktest.Post) string {
	var b strings.Builder
	for _, bl := range p.Blocks {
		if bl.Text != nil {
			b.WriteString(bl.Text.Text)
		}
	}
	return b.String()
}
