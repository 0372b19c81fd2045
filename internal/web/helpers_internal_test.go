package web

import "net/http"

func httpRequest(target, acceptLanguage string) (*http.Request, error) {
	r, err := http.NewRequest("GET", "http://vigie.test"+target, nil)
	if err == nil && acceptLanguage != "" {
		r.Header.Set("Accept-Language", acceptLanguage)
	}
	return r, err
}
