package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Cloud API defaults; the version is configurable because Meta retires
// Graph API versions about two years after release.
const (
	DefaultGraphBaseURL = "https://graph.facebook.com"
	DefaultGraphVersion = "v23.0"
	maxAPIBody          = 1 << 20
)

// CloudAPI is the account configuration shared by the Cloud API probes.
type CloudAPI struct {
	// BaseURL defaults to DefaultGraphBaseURL; tests point it at a double.
	BaseURL string
	// Version defaults to DefaultGraphVersion.
	Version       string
	PhoneNumberID string
	Token         string
	// Client defaults to a client without proxy or connection reuse.
	Client *http.Client
}

func (a CloudAPI) url(path string) string {
	base := a.BaseURL
	if base == "" {
		base = DefaultGraphBaseURL
	}
	v := a.Version
	if v == "" {
		v = DefaultGraphVersion
	}
	return strings.TrimRight(base, "/") + "/" + v + "/" + a.PhoneNumberID + path
}

// do sends one authenticated request and returns status and bounded body.
func (a CloudAPI) do(ctx context.Context, req *http.Request, timeout time.Duration) (int, []byte, error) {
	client := a.Client
	if client == nil {
		client = newHTTPClient(nil, timeout)
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, body, nil
}

// Health reads the phone number's health_status: whether Meta lets the
// account send messages right now (AVAILABLE, LIMITED or BLOCKED).
type Health struct {
	Spec
	API   CloudAPI
	Clock Clock
}

var _ Probe = (*Health)(nil)

// Name returns the probe name.
func (p *Health) Name() string { return p.Spec.Name }

type healthEntity struct {
	EntityType     string `json:"entity_type"`
	ID             string `json:"id"`
	CanSendMessage string `json:"can_send_message"`
	Errors         []struct {
		ErrorCode        int    `json:"error_code"`
		ErrorDescription string `json:"error_description"`
	} `json:"errors"`
}

type healthResponse struct {
	HealthStatus *struct {
		CanSendMessage string         `json:"can_send_message"`
		Entities       []healthEntity `json:"entities"`
	} `json:"health_status"`
}

// Run asks for health_status once.
func (p *Health) Run(ctx context.Context) Result {
	clk := clockOr(p.Clock)
	target := p.API.url("?fields=health_status")
	res := p.result(FamilyCloudAPI, target, clk.Now())
	if p.API.PhoneNumberID == "" || p.API.Token == "" {
		return finish(res, clk, ClassConfig, "cloud api probe needs a phone number id and a token")
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return finish(res, clk, ClassConfig, fmt.Sprintf("cloud api url: %v", err))
	}
	status, body, err := p.API.do(ctx, req, p.timeout())
	if err != nil {
		return finish(res, clk, classifyErr(err), fmt.Sprintf("health_status: %v", err))
	}
	if status < 200 || status > 299 {
		e := parseMetaError(body)
		return finish(res, clk, classifyMeta(status, e), metaDetail("health_status", status, e))
	}
	var hr healthResponse
	if err := json.Unmarshal(body, &hr); err != nil || hr.HealthStatus == nil {
		return finish(res, clk, ClassBadResponse, "health_status: response without health_status")
	}
	class, detail := classifyHealth(hr.HealthStatus.CanSendMessage, hr.HealthStatus.Entities)
	return finish(res, clk, class, detail)
}

// classifyHealth turns can_send_message into a Class. BLOCKED and LIMITED
// come from the account's own state (policy, payment, quality), so they are
// never reported as a Meta outage.
func classifyHealth(overall string, entities []healthEntity) (Class, string) {
	var parts []string
	for _, e := range entities {
		if e.CanSendMessage == "AVAILABLE" {
			continue
		}
		part := fmt.Sprintf("%s %s %s", e.EntityType, e.ID, e.CanSendMessage)
		for _, er := range e.Errors {
			part += fmt.Sprintf(" [%d %s]", er.ErrorCode, er.ErrorDescription)
		}
		parts = append(parts, part)
	}
	detail := "can_send_message=" + overall
	if len(parts) > 0 {
		detail += ": " + strings.Join(parts, "; ")
	}
	switch overall {
	case "AVAILABLE":
		return ClassNone, detail
	case "LIMITED":
		return ClassLimited, detail
	case "BLOCKED":
		return ClassConfig, detail
	}
	return ClassBadResponse, detail
}
