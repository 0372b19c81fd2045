// Package receipts receives providers' callbacks: delivery statuses that
// update the delivery ledger, and people's replies that opt them out (SMS
// "STOP"). Every callback's signature is verified before anything is read
// into the database.
package receipts

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vigie-hq/vigie/internal/channel/twilio"
)

// Ledger records delivery reports.
type Ledger interface {
	Receipt(ctx context.Context, provider, providerID, state, reason string) (bool, error)
}

// Audience records opt-outs.
type Audience interface {
	OptOut(ctx context.Context, channel, address string) (bool, error)
}

// Server handles the callback endpoints.
type Server struct {
	Ledger   Ledger
	Audience Audience
	// PublicURL is the base URL providers call (Twilio signs the full URL
	// it was given, so it must match what was configured there).
	PublicURL string
	// TwilioAuthToken verifies X-Twilio-Signature; empty disables the
	// Twilio endpoints.
	TwilioAuthToken string
	Logger          *slog.Logger
}

// Paths of the callback endpoints.
const (
	TwilioStatusPath  = "/hooks/twilio/status"
	TwilioInboundPath = "/hooks/twilio/inbound"
)

// Routes registers the endpoints on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+TwilioStatusPath, s.twilioStatus)
	mux.HandleFunc("POST "+TwilioInboundPath, s.twilioInbound)
}

// twilioForm reads and verifies a Twilio callback.
func (s *Server) twilioForm(w http.ResponseWriter, r *http.Request) bool {
	if s.TwilioAuthToken == "" {
		http.Error(w, "twilio is not configured", http.StatusNotFound)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return false
	}
	full := strings.TrimRight(s.PublicURL, "/") + r.URL.RequestURI()
	if !twilio.ValidateSignature(s.TwilioAuthToken, full, r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		s.Logger.Warn("rejected a Twilio callback with a bad signature", "path", r.URL.Path)
		http.Error(w, "bad signature", http.StatusForbidden)
		return false
	}
	return true
}

func (s *Server) twilioStatus(w http.ResponseWriter, r *http.Request) {
	if !s.twilioForm(w, r) {
		return
	}
	sid, status, code := twilio.ParseStatusCallback(r.PostForm)
	state := ""
	switch status {
	case "delivered", "read":
		state = "delivered"
	case "undelivered", "failed":
		state = "failed"
	}
	if state != "" {
		reason := ""
		if code != "" {
			reason = "twilio error " + code
		}
		if _, err := s.Ledger.Receipt(r.Context(), "twilio", sid, state, reason); err != nil {
			s.Logger.Error("record Twilio receipt", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if code == "21610" { // the recipient had replied STOP
			_, _ = s.Audience.OptOut(r.Context(), "sms", r.PostForm.Get("To"))
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) twilioInbound(w http.ResponseWriter, r *http.Request) {
	if !s.twilioForm(w, r) {
		return
	}
	in := twilio.ParseInbound(r.PostForm)
	if in.OptOut {
		if _, err := s.Audience.OptOut(r.Context(), "sms", in.From); err != nil {
			s.Logger.Error("record SMS opt-out", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.Logger.Info("SMS opt-out recorded")
	}
	// An empty TwiML answer: Twilio's own opt-out reply (Advanced Opt-Out)
	// already told the person; nothing more is sent.
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`))
}
