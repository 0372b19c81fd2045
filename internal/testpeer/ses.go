package testpeer

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// SESVersion is the aws-ses-v2-local version .ci/run installs.
const SESVersion = "2.10.2"

// SES is a running aws-ses-v2-local: the SES v2 API (SendBulkEmail,
// e-mail templates) at URL, and the messages it accepted at URL/store.
type SES struct {
	URL string
}

// StartSES starts aws-ses-v2-local on a loopback port.
func StartSES(t testing.TB) *SES {
	t.Helper()
	dir := nodePackage(t, "aws-ses-v2-local")
	port := freePort(t)
	s := &SES{URL: "http://" + addr(port)}
	cmd := exec.Command("node", filepath.Join(dir, "dist", "cli.js"), "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	start(t, "aws-ses-v2-local", cmd, func() error {
		return statusOK(context.Background(), "GET", s.URL+"/health-check")
	})
	return s
}

// SESEmail is one message the service accepted.
type SESEmail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
}

// Emails returns every accepted message.
func (s *SES) Emails(ctx context.Context) ([]SESEmail, error) {
	var out struct {
		Emails []SESEmail `json:"emails"`
	}
	if err := callJSON(ctx, "GET", s.URL+"/store", nil, &out); err != nil {
		return nil, fmt.Errorf("aws-ses-v2-local: %w", err)
	}
	return out.Emails, nil
}
