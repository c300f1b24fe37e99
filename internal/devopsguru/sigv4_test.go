package devopsguru

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The "get-vanilla-query-order-key-case" and "get-vanilla" cases of AWS's
// Signature Version 4 test suite (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
// 20150830T123600Z, us-east-1, service "service").
func TestSignatureTestSuite(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	empty := sha256.Sum256(nil)
	for _, c := range []struct {
		name, target, canonical, signature string
	}{
		{"get-vanilla", "/",
			"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + hex.EncodeToString(empty[:]),
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "/?Param2=value2&Param1=value1",
			"GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + hex.EncodeToString(empty[:]),
			"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com"+c.target, nil)
			r.Header.Set("X-Amz-Date", "20150830T123600Z")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="+c.signature)
			canon := canonicalRequest(r, []string{"host", "x-amz-date"}, hex.EncodeToString(empty[:]))
			if canon != c.canonical {
				t.Fatalf("canonical request:\n%q\nwant\n%q", canon, c.canonical)
			}
			s := sigRequest{AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "service", amzDateRaw: "20150830T123600Z"}
			if got := signature(secret, s, stringToSign(s, canon)); got != c.signature {
				t.Fatalf("signature %s, want %s", got, c.signature)
			}
		})
	}
}

func TestParseAuthorizationErrors(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	good := "AWS4-HMAC-SHA256 Credential=TENDAAAAAAAAAAAAAAAA/20261203/eu-west-1/devops-guru/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64)
	for _, c := range []struct {
		name, auth, date, typ, msg string
	}{
		{"none", "", "20261203T120000Z", "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"sigv2", "AWS TENDAAAA:abc", "20261203T120000Z", "IncompleteSignatureException", "only Signature Version 4"},
		{"no signature", strings.Split(good, ", Signature")[0], "20261203T120000Z", "IncompleteSignatureException", "'Signature'"},
		{"other service", strings.Replace(good, "devops-guru", "s3", 1), "20261203T120000Z", "InvalidSignatureException", "correct service: 'devops-guru'"},
		{"bad terminator", strings.Replace(good, "aws4_request", "aws5", 1), "20261203T120000Z", "InvalidSignatureException", "terminator"},
		{"no host", strings.Replace(good, "host;x-amz-date", "x-amz-date", 1), "20261203T120000Z", "IncompleteSignatureException", "'host'"},
		{"no date", good, "", "IncompleteSignatureException", "X-Amz-Date"},
		{"date mismatch", good, "20261202T235900Z", "InvalidSignatureException", "Date in Credential scope does not match"},
		{"expired", strings.Replace(good, "20261203", "20261202", 1), "20261202T120000Z", "InvalidSignatureException", "Signature expired"},
		{"future", good, "20261203T123000Z", "InvalidSignatureException", "not yet current"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "http://tend/devops-guru/insights", nil)
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			if c.date != "" {
				r.Header.Set("X-Amz-Date", c.date)
			}
			s, e := parseAuthorization(r)
			if e == nil {
				e = checkSkew(s, now)
			}
			if e == nil || e.Type != c.typ || !strings.Contains(e.Message, c.msg) || e.Status != http.StatusForbidden {
				t.Fatalf("got %+v, want %s containing %q", e, c.typ, c.msg)
			}
		})
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=TENDAAAAAAAAAAAAAAAA/20261203/eu-west-1/devops-guru/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("a", 64), "20261203T120000Z", "/devops-guru/insights?b=2&a=1")
	f.Add("AWS4-HMAC-SHA256 Credential=/a/b/c/d, SignedHeaders=;, Signature=", "x", "/%zz?%zz=%")
	f.Fuzz(func(t *testing.T, auth, date, target string) {
		r := httptest.NewRequest(http.MethodGet, "http://tend/", nil)
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		if u, err := r.URL.Parse(target); err == nil {
			r.URL = u
		}
		s, e := parseAuthorization(r)
		if e != nil {
			if e.Type == "" || e.Status != http.StatusForbidden {
				t.Fatalf("error without a type or not 403: %+v", e)
			}
			return
		}
		_ = checkSkew(s, time.Now())
		_ = canonicalRequest(r, s.SignedHeaders, "")
	})
}

func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{`1796124128`, `1796124128.123`, `"2026-12-03T12:00:00Z"`, `"1796124128"`, `null`, `-1`, `1e400`, `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ts Timestamp
		if err := ts.UnmarshalJSON([]byte(s)); err != nil {
			return
		}
		if ts.Year() > 9999 {
			t.Fatalf("%s read as %v", s, ts.Time)
		}
		if _, err := ts.MarshalJSON(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUnknownOperationShape(t *testing.T) {
	h := New(Options{})
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/devops-guru/feedback"},     // DescribeFeedback: in the model, not served
		{http.MethodPut, "/devops-guru/event-sources"}, // UpdateEventSourcesConfig
		{http.MethodGet, "/devops-guru/no/such/thing"},
		{http.MethodDelete, "/devops-guru/insights/abc"}, // DeleteInsight
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != http.StatusNotFound || w.Header().Get("X-Amzn-Errortype") != "UnknownOperationException" ||
			!strings.HasPrefix(w.Body.String(), `{"message":"Unable to determine service/operation name to be authorized`) {
			t.Errorf("%s %s: %d %q %s", c.method, c.path, w.Code, w.Header().Get("X-Amzn-Errortype"), w.Body)
		}
	}
}

func TestCannotParse(t *testing.T) {
	e := cannotParse(errors.New("unexpected end of JSON input"))
	w := httptest.NewRecorder()
	e.write(w)
	if w.Code != 400 || w.Header().Get("X-Amzn-Errortype") != "ValidationException" || !strings.Contains(w.Body.String(), `"Reason":"CANNOT_PARSE"`) {
		t.Fatalf("%d %s %s", w.Code, w.Header(), w.Body)
	}
}
