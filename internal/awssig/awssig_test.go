package awssig

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The examples of Amazon S3's "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk" page
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html),
// with its documented example keys and resulting signatures.
func TestSignMatchesS3Examples(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		method  string
		url     string
		headers map[string]string
		body    string
		want    string
	}{
		{"GET object with range", "GET", "https://examplebucket.s3.amazonaws.com/test.txt", map[string]string{"Range": "bytes=0-9"}, "",
			"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
		{"PUT object", "PUT", "https://examplebucket.s3.amazonaws.com/test$file.text",
			map[string]string{"Date": "Fri, 24 May 2013 00:00:00 GMT", "X-Amz-Storage-Class": "REDUCED_REDUNDANCY"}, "Welcome to Amazon S3.",
			"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
		{"GET bucket lifecycle", "GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", nil, "",
			"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
		{"list objects", "GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", nil, "",
			"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		hash := PayloadHash([]byte(tc.body))
		req.Header.Set("X-Amz-Content-Sha256", hash)
		Sign(req, creds, "us-east-1", "s3", hash, at)
		if got := req.Header.Get("Authorization"); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// Two cases of Amazon's Signature Version 4 test suite
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html,
// also shipped in awslabs/aws-c-auth and aws-crt-python): "get-vanilla"
// and "get-vanilla-query-order-key-case", for service "service" in
// us-east-1. The suite separates the Authorization fields with ", "; we
// write them with "," as S3's examples do, which AWS accepts.
func TestSignMatchesSigV4TestSuite(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	const prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature="
	for _, tc := range []struct{ name, url, sig string }{
		{"get-vanilla", "https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	} {
		req, _ := http.NewRequest("GET", tc.url, nil)
		Sign(req, creds, "us-east-1", "service", EmptySHA256, at)
		if got, want := req.Header.Get("Authorization"), prefix+tc.sig; got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
		if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
			t.Errorf("%s: X-Amz-Date = %q", tc.name, got)
		}
	}
}

// A session token is sent and signed; the path of a non-S3 service is
// encoded twice.
func TestSignSessionTokenAndPath(t *testing.T) {
	req, _ := http.NewRequest("PUT", "https://email.eu-west-1.amazonaws.com/v2/email/templates/a%20b", nil)
	Sign(req, Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "TOKEN"}, "eu-west-1", "ses", EmptySHA256, time.Unix(0, 0))
	if req.Header.Get("X-Amz-Security-Token") != "TOKEN" || !strings.Contains(req.Header.Get("Authorization"), "SignedHeaders=host;x-amz-date;x-amz-security-token,") {
		t.Fatalf("session token not signed: %q", req.Header.Get("Authorization"))
	}
	if got := canonicalPath(req.URL, "ses"); got != "/v2/email/templates/a%2520b" {
		t.Errorf("ses path = %q", got)
	}
	if got := canonicalPath(req.URL, "s3"); got != "/v2/email/templates/a%20b" {
		t.Errorf("s3 path = %q", got)
	}
}
