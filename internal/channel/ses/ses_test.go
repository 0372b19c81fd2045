package ses_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/ses"
	"github.com/vigie-hq/vigie/internal/channel/ses/sestest"
	"github.com/vigie-hq/vigie/internal/deliver"
)

const (
	accessKey = "AKIDVIGIETEST"
	secretKey = "s3cr3t/SES+key-do-not-print"
)

type testBundle struct {
	sender *ses.Sender
	fake   *sestest.Server
	logs   *bytes.Buffer
}

func setup(t testing.TB, edit func(*ses.Options)) testBundle {
	t.Helper()
	fake := sestest.New(t, sestest.Options{Region: "eu-west-1", AccessKeyID: accessKey, SecretAccessKey: secretKey})
	logs := &bytes.Buffer{}
	o := ses.Options{Region: "eu-west-1", AccessKeyID: accessKey, SecretAccessKey: secretKey, From: "Vigie Alertes <alerts@example.com>",
		BaseURL: fake.URL, Timeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(&o)
	}
	s, err := ses.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return testBundle{sender: s, fake: fake, logs: logs}
}

func items(n int, from int) []deliver.Item {
	out := make([]deliver.Item, n)
	for i := range out {
		k := from + i
		out[i] = deliver.Item{Key: fmt.Sprintf("k%03d", k), Address: fmt.Sprintf("user%03d@example.org", k), Lang: "en",
			Subject: "Service disruption", Text: "WhatsApp is down; we answer by e-mail.", UnsubscribeURL: fmt.Sprintf("https://status.example.com/u/%03d", k)}
	}
	return out
}

func TestSenderContract(t *testing.T) {
	var s deliver.Sender = setup(t, nil).sender
	if s.Channel() != "email" || s.Provider() != "ses" || s.MaxBatch() != 50 || s.Idempotent() {
		t.Fatalf("got %s/%s batch %d idempotent %v", s.Channel(), s.Provider(), s.MaxBatch(), s.Idempotent())
	}
}

func TestBatchOf50IsOneCall(t *testing.T) {
	tb := setup(t, func(o *ses.Options) { o.ConfigurationSet = "vigie"; o.ReplyTo = []string{"support@example.com"} })
	res := tb.sender.Send(context.Background(), items(50, 0))
	if got := tb.fake.Calls("SendBulkEmail"); got != 1 {
		t.Fatalf("%d calls, want 1", got)
	}
	msgs := tb.fake.Messages()
	if len(res) != 50 || len(msgs) != 50 {
		t.Fatalf("%d results, %d messages", len(res), len(msgs))
	}
	for i, r := range res {
		if r.Err != nil || r.Key != fmt.Sprintf("k%03d", i) || r.ProviderID != msgs[i].ID {
			t.Fatalf("result %d = %+v (message id %s)", i, r, msgs[i].ID)
		}
	}
	m := msgs[7]
	if m.To[0] != "user007@example.org" || m.Subject != "Service disruption" || !strings.HasPrefix(m.Text, "WhatsApp is down") ||
		m.From != `"Vigie Alertes" <alerts@example.com>` || m.ReplyTo[0] != "support@example.com" || m.ConfigurationSet != "vigie" || m.Template != "" {
		t.Fatalf("message = %+v", m)
	}
	if tb.fake.Calls("CreateEmailTemplate")+tb.fake.Calls("UpdateEmailTemplate") != 0 {
		t.Fatal("inline mode touched stored templates")
	}
}

// The engine cuts 120 deliveries into batches of MaxBatch: three calls.
func TestEngineBatchingOf120(t *testing.T) {
	tb := setup(t, nil)
	all := items(120, 0)
	var results []deliver.Result
	for start := 0; start < len(all); start += tb.sender.MaxBatch() {
		results = append(results, tb.sender.Send(context.Background(), all[start:min(start+tb.sender.MaxBatch(), len(all))])...)
	}
	if got := tb.fake.Calls("SendBulkEmail"); got != 3 {
		t.Fatalf("%d calls, want 3", got)
	}
	if len(results) != 120 || len(tb.fake.Messages()) != 120 {
		t.Fatalf("%d results, %d messages", len(results), len(tb.fake.Messages()))
	}
	for i, r := range results {
		if r.Err != nil || r.Key != all[i].Key {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
}

func TestMixedEntryResults(t *testing.T) {
	tb := setup(t, nil)
	cases := map[int]struct {
		status             string
		permanent, account bool
	}{
		1: {"MESSAGE_REJECTED", true, false},
		2: {"ACCOUNT_THROTTLED", false, false},
		3: {"ACCOUNT_SUSPENDED", false, true},
		4: {"INVALID_PARAMETER", true, false},
		5: {"TRANSIENT_FAILURE", false, false},
		6: {"CONFIGURATION_SET_DOES_NOT_EXIST", false, true},
		7: {"ACCOUNT_DAILY_QUOTA_EXCEEDED", false, false},
		8: {"SOMETHING_NEW", false, false},
	}
	batch := items(10, 0)
	for i, c := range cases {
		tb.fake.SetStatus(batch[i].Address, c.status, "refused "+c.status)
	}
	res := tb.sender.Send(context.Background(), batch)
	if tb.fake.Calls("SendBulkEmail") != 1 || len(tb.fake.Messages()) != 10-len(cases) {
		t.Fatalf("%d calls, %d messages", tb.fake.Calls("SendBulkEmail"), len(tb.fake.Messages()))
	}
	for i, r := range res {
		if r.Key != batch[i].Key {
			t.Fatalf("order lost at %d: %s", i, r.Key)
		}
		c, failed := cases[i]
		if !failed {
			if r.Err != nil || r.ProviderID == "" {
				t.Errorf("%d: %+v", i, r)
			}
			continue
		}
		var e *ses.Error
		if !errors.As(r.Err, &e) || e.Code != c.status || r.Permanent != c.permanent || errors.Is(r.Err, ses.ErrAccount) != c.account {
			t.Errorf("%s: err %v permanent %v", c.status, r.Err, r.Permanent)
		}
		if !strings.Contains(r.Err.Error(), "refused "+c.status) {
			t.Errorf("%s: error %q lacks SES's message", c.status, r.Err)
		}
	}
}

func TestWholeRequestErrors(t *testing.T) {
	for _, tc := range []struct {
		name               string
		f                  sestest.Failure
		permanent, account bool
		after              time.Duration
	}{
		{"throttled", sestest.Failure{Status: 429, Code: "TooManyRequestsException", Message: "Maximum sending rate exceeded.", RetryAfter: "7"}, false, false, 7 * time.Second},
		{"bad request", sestest.Failure{Status: 400, Code: "BadRequestException", Message: "Invalid input"}, true, false, 0},
		{"access denied", sestest.Failure{Status: 403, Code: "AccessDeniedException", Message: "not authorized to perform ses:SendBulkEmail"}, false, true, 0},
		{"limit exceeded", sestest.Failure{Status: 400, Code: "LimitExceededException"}, false, false, 0},
		{"sending paused", sestest.Failure{Status: 400, Code: "SendingPausedException"}, false, true, 0},
		{"message rejected", sestest.Failure{Status: 400, Code: "MessageRejected", Message: "Email address is not verified."}, true, false, 0},
		{"account suspended", sestest.Failure{Status: 400, Code: "AccountSuspendedException"}, false, true, 0},
		{"mail from not verified", sestest.Failure{Status: 400, Code: "MailFromDomainNotVerifiedException"}, false, true, 0},
		{"not found", sestest.Failure{Status: 404, Code: "NotFoundException", Message: "Configuration set does not exist."}, false, true, 0},
		{"internal error", sestest.Failure{Status: 500, Code: "InternalServiceErrorException"}, false, false, 0},
		{"unavailable", sestest.Failure{Status: 503, RetryAfter: "2"}, false, false, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := setup(t, nil)
			tb.fake.FailNext(tc.f)
			res := tb.sender.Send(context.Background(), items(3, 0))
			for _, r := range res {
				var e *ses.Error
				if !errors.As(r.Err, &e) || e.Status != tc.f.Status || e.Code != tc.f.Code {
					t.Fatalf("err = %v", r.Err)
				}
				if r.Permanent != tc.permanent || errors.Is(r.Err, ses.ErrAccount) != tc.account || r.RetryAfter != tc.after {
					t.Fatalf("%v: permanent %v account %v after %v", r.Err, r.Permanent, errors.Is(r.Err, ses.ErrAccount), r.RetryAfter)
				}
			}
			if len(tb.fake.Messages()) != 0 {
				t.Fatal("messages stored despite the failure")
			}
			// The next call goes through.
			if res := tb.sender.Send(context.Background(), items(1, 0)); res[0].Err != nil {
				t.Fatal(res[0].Err)
			}
		})
	}
}

// A connection closed after the request was written may have sent the
// e-mails: retryable and uncertain.
func TestDroppedConnectionIsUncertain(t *testing.T) {
	tb := setup(t, nil)
	tb.fake.FailNext(sestest.Failure{Drop: true})
	res := tb.sender.Send(context.Background(), items(2, 0))
	var e *ses.Error
	if !errors.As(res[0].Err, &e) || !e.Uncertain() || res[0].Permanent {
		t.Fatalf("%+v", res[0])
	}
}

func TestUnsubscribePerRecipient(t *testing.T) {
	tb := setup(t, nil)
	batch := items(3, 0)
	batch[1].Lang = "fr"
	batch[1].Subject = "Panne\r\nBcc: evil@example.net"
	batch[2].UnsubscribeURL = ""
	res := tb.sender.Send(context.Background(), batch)
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	msgs := tb.fake.Messages()
	for i, want := range []string{"https://status.example.com/u/000", "https://status.example.com/u/001"} {
		m := msgs[i]
		if m.Headers["List-Unsubscribe"] != "<"+want+">" || m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
			t.Errorf("%d: headers %v", i, m.Headers)
		}
		if !strings.HasSuffix(m.Text, " "+want+"\n") {
			t.Errorf("%d: text %q lacks the link", i, m.Text)
		}
	}
	if !strings.Contains(msgs[1].Text, "Ne plus recevoir ces alertes") || msgs[1].Subject != "Panne Bcc: evil@example.net" {
		t.Errorf("french message: %q / %q", msgs[1].Subject, msgs[1].Text)
	}
	if len(msgs[2].Headers) != 0 || msgs[2].Text != batch[2].Text {
		t.Errorf("no link wanted: %v %q", msgs[2].Headers, msgs[2].Text)
	}
}

// Message text is template data: braces in an alert are not placeholders.
func TestBracesInTextStayText(t *testing.T) {
	tb := setup(t, nil)
	batch := items(1, 0)
	batch[0].Text = "Use code {{subject}} and {{body}}."
	if res := tb.sender.Send(context.Background(), batch); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if m := tb.fake.Messages()[0]; !strings.HasPrefix(m.Text, "Use code {{subject}} and {{body}}.") {
		t.Fatalf("text = %q", m.Text)
	}
}

func TestInvalidAddressIsPermanentAndNotSent(t *testing.T) {
	tb := setup(t, nil)
	batch := items(3, 0)
	batch[0].Address = "not an address"
	batch[2].Address = "josé@example.org"
	res := tb.sender.Send(context.Background(), batch)
	if !res[0].Permanent || !res[2].Permanent || res[1].Err != nil {
		t.Fatalf("%+v", res)
	}
	if msgs := tb.fake.Messages(); len(msgs) != 1 || msgs[0].To[0] != "user001@example.org" {
		t.Fatalf("%+v", msgs)
	}
}

func TestSignatureChecked(t *testing.T) {
	t.Run("wrong secret", func(t *testing.T) {
		tb := setup(t, func(o *ses.Options) { o.SecretAccessKey = "wrong" })
		res := tb.sender.Send(context.Background(), items(1, 0))
		var e *ses.Error
		if !errors.As(res[0].Err, &e) || e.Status != 403 || e.Code != "InvalidSignatureException" || !errors.Is(res[0].Err, ses.ErrAccount) || res[0].Permanent {
			t.Fatalf("%+v", res[0])
		}
	})
	t.Run("skewed clock", func(t *testing.T) {
		tb := setup(t, func(o *ses.Options) { o.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) } })
		if res := tb.sender.Send(context.Background(), items(1, 0)); !strings.Contains(fmt.Sprint(res[0].Err), "Signature expired") {
			t.Fatalf("%+v", res[0])
		}
	})
	t.Run("wrong region", func(t *testing.T) {
		tb := setup(t, func(o *ses.Options) { o.Region = "us-east-1" })
		if res := tb.sender.Send(context.Background(), items(1, 0)); !strings.Contains(fmt.Sprint(res[0].Err), "InvalidSignatureException") {
			t.Fatalf("%+v", res[0])
		}
	})
	t.Run("session token", func(t *testing.T) {
		tb := setup(t, func(o *ses.Options) { o.SessionToken = "FwoGZXIvYXdzEXAMPLE" })
		if res := tb.sender.Send(context.Background(), items(1, 0)); res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		fake := sestest.New(t, sestest.Options{Region: "eu-west-1", AccessKeyID: accessKey, SecretAccessKey: secretKey})
		resp, err := http.Post(fake.URL+"/v2/email/outbound-bulk-emails", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Fatalf("unsigned request: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	})
}

func TestStoredTemplateLifecycle(t *testing.T) {
	tb := setup(t, func(o *ses.Options) { o.StoredTemplate = "vigie-notification" })
	ctx := context.Background()
	// First send: update finds nothing, create, send.
	if res := tb.sender.Send(ctx, items(2, 0)); res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("%+v", res)
	}
	if tb.fake.Calls("UpdateEmailTemplate") != 1 || tb.fake.Calls("CreateEmailTemplate") != 1 {
		t.Fatalf("update %d create %d", tb.fake.Calls("UpdateEmailTemplate"), tb.fake.Calls("CreateEmailTemplate"))
	}
	if got := tb.fake.Templates()["vigie-notification"]; got.Subject != ses.Template.Subject || got.Text != ses.Template.Text {
		t.Fatalf("template = %+v", got)
	}
	// Later sends reuse it.
	tb.sender.Send(ctx, items(2, 2))
	if tb.fake.Calls("UpdateEmailTemplate")+tb.fake.Calls("CreateEmailTemplate") != 2 {
		t.Fatal("template written again")
	}
	m := tb.fake.Messages()[3]
	if m.Template != "vigie-notification" || m.Subject != "Service disruption" || !strings.Contains(m.Text, "https://status.example.com/u/003") {
		t.Fatalf("message = %+v", m)
	}
	// Deleted from the account: that batch fails (retryable), the next one
	// creates it again.
	tb.fake.DeleteTemplate("vigie-notification")
	res := tb.sender.Send(ctx, items(1, 4))
	if res[0].Err == nil || res[0].Permanent {
		t.Fatalf("%+v", res[0])
	}
	if res := tb.sender.Send(ctx, items(1, 5)); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if tb.fake.Calls("CreateEmailTemplate") != 2 {
		t.Fatalf("create %d, want 2", tb.fake.Calls("CreateEmailTemplate"))
	}
}

// A stored template left by an older version, or by another instance,
// is updated, not created again.
func TestStoredTemplateUpdated(t *testing.T) {
	first := setup(t, func(o *ses.Options) { o.StoredTemplate = "vigie" })
	first.sender.Send(context.Background(), items(1, 0)) // creates it
	second, err := ses.New(ses.Options{Region: "eu-west-1", AccessKeyID: accessKey, SecretAccessKey: secretKey, From: "alerts@example.com",
		BaseURL: first.fake.URL, StoredTemplate: "vigie"})
	if err != nil {
		t.Fatal(err)
	}
	second.Send(context.Background(), items(1, 1))
	f := first.fake
	if f.Calls("CreateEmailTemplate") != 1 || f.Calls("UpdateEmailTemplate") != 2 || len(f.Messages()) != 2 {
		t.Fatalf("create %d update %d messages %d", f.Calls("CreateEmailTemplate"), f.Calls("UpdateEmailTemplate"), len(f.Messages()))
	}
}

// A batch over SES's 1 MB request limit is split.
func TestLargeBatchIsSplit(t *testing.T) {
	tb := setup(t, nil)
	batch := items(50, 0)
	for i := range batch {
		batch[i].Text = strings.Repeat("x", 40_000)
	}
	res := tb.sender.Send(context.Background(), batch)
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if calls := tb.fake.Calls("SendBulkEmail"); calls < 2 || len(tb.fake.Messages()) != 50 {
		t.Fatalf("%d calls, %d messages", calls, len(tb.fake.Messages()))
	}
}

func TestSecretsNeverShown(t *testing.T) {
	tb := setup(t, func(o *ses.Options) { o.StoredTemplate = "vigie"; o.SessionToken = "TOKEN-do-not-print" })
	tb.fake.FailNext(sestest.Failure{Status: 429, Code: "TooManyRequestsException"}, sestest.Failure{Status: 500}, sestest.Failure{Drop: true})
	var errs []error
	for range 4 {
		for _, r := range tb.sender.Send(context.Background(), items(1, 0)) {
			errs = append(errs, r.Err)
		}
	}
	bad := setup(t, func(o *ses.Options) { o.SecretAccessKey = secretKey + "x" })
	errs = append(errs, bad.sender.Send(context.Background(), items(1, 0))[0].Err)
	down := setup(t, func(o *ses.Options) { o.BaseURL = "http://127.0.0.1:1" })
	errs = append(errs, down.sender.Send(context.Background(), items(1, 0))[0].Err)
	o := ses.Options{Region: "eu-west-1", AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: "TOKEN-do-not-print"}
	shown := fmt.Sprintf("%v %+v %#v %s", errs, o, o, tb.logs.String()+bad.logs.String()+down.logs.String())
	slog.New(slog.NewTextHandler(tb.logs, nil)).Info("options", "options", o)
	shown += tb.logs.String()
	for _, secret := range []string{secretKey, "TOKEN-do-not-print", "Signature="} {
		if strings.Contains(shown, secret) {
			t.Fatalf("%q shown in: %s", secret, shown)
		}
	}
}

func TestNewChecksOptions(t *testing.T) {
	good := ses.Options{Region: "eu-west-1", AccessKeyID: "a", SecretAccessKey: "b", From: "alerts@example.com"}
	for name, edit := range map[string]func(*ses.Options){
		"region":   func(o *ses.Options) { o.Region = "europe" },
		"keys":     func(o *ses.Options) { o.SecretAccessKey = "" },
		"from":     func(o *ses.Options) { o.From = "nobody" },
		"reply to": func(o *ses.Options) { o.ReplyTo = []string{"x"} },
		"template": func(o *ses.Options) { o.StoredTemplate = "a b" },
		"base url": func(o *ses.Options) { o.BaseURL = "ftp://x" },
	} {
		o := good
		edit(&o)
		if _, err := ses.New(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ses.New(good); err != nil {
		t.Fatal(err)
	}
}
