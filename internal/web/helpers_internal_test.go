package web

import (
	"context"
	"net/http"
	"testing"
)

func httpRequest(target, acceptLanguage string) (*http.Request, error) {
	r, err := http.NewRequest("GET", "http://vigie.test"+target, nil)
	if err == nil && acceptLanguage != "" {
		r.Header.Set("Accept-Language", acceptLanguage)
	}
	return r, err
}

func TestReachLine(t *testing.T) {
	c := &Console{Deps: Deps{Reach: func(context.Context, int64) (map[string]map[string]int, error) {
		return map[string]map[string]int{"sms": {"delivered": 1742, "failed": 58}, "email": {"sent": 1800}}, nil
	}}}
	if got, want := c.reachLine(context.Background(), 1), "email: 1800 sent · sms: 1742 delivered, 58 failed"; got != want {
		t.Fatalf("reachLine = %q, want %q", got, want)
	}
	if got := (&Console{}).reachLine(context.Background(), 1); got != "" {
		t.Fatalf("without Reach: %q", got)
	}
}
