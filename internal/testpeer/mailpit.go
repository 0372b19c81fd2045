package testpeer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// MailpitVersion is the version .ci/run installs.
const MailpitVersion = "v1.27.11"

// Mailpit is a running Mailpit: SMTP on SMTPAddr, its API on APIURL.
type Mailpit struct {
	SMTPAddr, APIURL string
}

// SMTPURL is the address in the form Vigie's smtp_url takes.
func (m *Mailpit) SMTPURL() string { return "smtp://" + m.SMTPAddr }

func mailpitBinary() string {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "mailpit")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// StartMailpit starts Mailpit with no message limit and its store in the
// test's temporary directory.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := mailpitBinary()
	if bin == "" {
		missing(t, "mailpit", "go install github.com/axllent/mailpit@"+MailpitVersion)
	}
	m := &Mailpit{SMTPAddr: addr(freePort(t))}
	api := addr(freePort(t))
	m.APIURL = "http://" + api
	cmd := exec.Command(bin, "--smtp", m.SMTPAddr, "--listen", api, "--max", "0", "--quiet",
		"--disable-version-check", "--database", filepath.Join(t.TempDir(), "mailpit.db"))
	start(t, "mailpit", cmd, func() error {
		return statusOK(context.Background(), "GET", m.APIURL+"/readyz")
	})
	return m
}

// MailpitMessage is a message in Mailpit's list.
type MailpitMessage struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Messages lists every stored message (the API pages by 1,000).
func (m *Mailpit) Messages(ctx context.Context) ([]MailpitMessage, error) {
	var all []MailpitMessage
	for start := 0; ; start += 1000 {
		var page struct {
			Total    int              `json:"total"`
			Messages []MailpitMessage `json:"messages"`
		}
		if err := callJSON(ctx, "GET", fmt.Sprintf("%s/api/v1/messages?start=%d&limit=1000", m.APIURL, start), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Messages...)
		if len(page.Messages) == 0 || len(all) >= page.Total {
			return all, nil
		}
	}
}

// Raw returns a message as received (headers and body).
func (m *Mailpit) Raw(ctx context.Context, id string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", m.APIURL+"/api/v1/message/"+id+"/raw", nil)
	if err != nil {
		return "", err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("mailpit raw %s: %s %v", id, resp.Status, err)
	}
	return string(b), nil
}
