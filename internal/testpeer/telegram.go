package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
)

// TelegramVersion is the telegram-test-api version .ci/run installs.
const TelegramVersion = "4.2.1"

// Telegram is a running telegram-test-api: the Bot API at URL
// (URL/bot<token>/sendMessage…), and its client API to read what bots sent.
type Telegram struct {
	URL string
}

// StartTelegram starts telegram-test-api on a loopback port; messages are
// kept 10 minutes.
func StartTelegram(t testing.TB) *Telegram {
	t.Helper()
	dir := nodePackage(t, "telegram-test-api")
	port := freePort(t)
	tg := &Telegram{URL: "http://" + addr(port)}
	script := fmt.Sprintf(`const TelegramServer = require(%q);
new TelegramServer({port: %d, host: '127.0.0.1', storage: 'RAM', storeTimeout: 600}).start()
  .then(() => console.log('ready'), (e) => { console.error(e); process.exit(1); });
`, dir, port)
	cmd := exec.Command("node", "-e", script)
	start(t, "telegram-test-api", cmd, func() error {
		_, err := tg.BotMessages(context.Background(), "probe")
		return err
	})
	return tg
}

// TelegramMessage is one message a bot sent.
type TelegramMessage struct {
	ChatID string
	Text   string
}

// BotMessages returns what the bot with this token sent, oldest first.
func (tg *Telegram) BotMessages(ctx context.Context, token string) ([]TelegramMessage, error) {
	var out struct {
		OK     bool `json:"ok"`
		Result []struct {
			BotToken string `json:"botToken"`
			Message  struct {
				ChatID json.RawMessage `json:"chat_id"`
				Text   string          `json:"text"`
			} `json:"message"`
		} `json:"result"`
	}
	if err := callJSON(ctx, "POST", tg.URL+"/getUpdatesHistory", map[string]string{"token": token}, &out); err != nil {
		return nil, fmt.Errorf("telegram-test-api history: %w", err)
	}
	var msgs []TelegramMessage
	for _, r := range out.Result {
		if r.Message.ChatID == nil { // a message from a user, not the bot
			continue
		}
		id := string(r.Message.ChatID)
		if s, err := strconv.Unquote(id); err == nil {
			id = s
		}
		msgs = append(msgs, TelegramMessage{ChatID: id, Text: r.Message.Text})
	}
	return msgs, nil
}
