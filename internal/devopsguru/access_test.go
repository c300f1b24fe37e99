package devopsguru_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tendhq/tend/internal/devopsguru"
)

type signer struct {
	id, secret string
}

// do sends a request signed like the SDKs sign (nil signer: unsigned).
func do(t *testing.T, s *signer, method, url, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if s != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: s.id, SecretAccessKey: s.secret},
			req, hex.EncodeToString(sum[:]), devopsguru.SigningName, "eu-west-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestEveryOperationAccess is the access table over every operation the
// handler serves (from its own route table, so a new one cannot be
// forgotten): no credential, a key without the scope, a key of another
// account, and the right key.
func TestEveryOperationAccess(t *testing.T) {
	ts := startTend(t)
	ts.seed(t, 3) // ins-0000 in 222222222222; ins-0001, ins-0002 in 111111111111
	admin := &signer{}
	admin.id, admin.secret = ts.key(t, []string{"admin"})
	writer := &signer{}
	writer.id, writer.secret = ts.key(t, []string{"write"})
	other := &signer{}
	other.id, other.secret = ts.key(t, []string{"read"}, "222222222222")

	params := map[string]string{"Id": "ins-0001", "InsightId": "ins-0001", "ResourceCollectionType": "AWS_CLOUD_FORMATION"}
	bodies := map[string]string{
		"ListInsights":                                 `{"StatusFilter":{"Any":{"Type":"REACTIVE","StartTimeRange":{"FromTime":0}}}}`,
		"ListOrganizationInsights":                     `{"StatusFilter":{"Any":{"Type":"REACTIVE","StartTimeRange":{"FromTime":0}}}}`,
		"SearchInsights":                               `{"StartTimeRange":{"FromTime":0},"Type":"REACTIVE"}`,
		"SearchOrganizationInsights":                   `{"StartTimeRange":{"FromTime":0},"Type":"REACTIVE","AccountIds":["111111111111"]}`,
		"ListEvents":                                   `{"Filters":{}}`,
		"ListRecommendations":                          `{"InsightId":"ins-0001"}`,
		"DescribeAccountOverview":                      `{"FromTime":0}`,
		"DescribeOrganizationOverview":                 `{"FromTime":0}`,
		"AddNotificationChannel":                       `{"Config":{"Sns":{"TopicArn":"arn:aws:sns:eu-west-1:111111111111:ops"}}}`,
		"UpdateResourceCollection":                     `{"Action":"ADD","ResourceCollection":{"CloudFormation":{"StackNames":["*"]}}}`,
		"DescribeOrganizationResourceCollectionHealth": `{"OrganizationResourceCollectionType":"AWS_ACCOUNT"}`,
	}
	// What a read key of another account gets: 404 for the insight, 403
	// for the organisation and admin operations, else 200 without it.
	otherWant := map[string]int{"DescribeInsight": 404, "ListAnomaliesForInsight": 404, "DescribeAnomaly": 404, "ListRecommendations": 404,
		"ListOrganizationInsights": 403, "SearchOrganizationInsights": 403, "DescribeOrganizationHealth": 403,
		"DescribeOrganizationOverview": 403, "DescribeOrganizationResourceCollectionHealth": 403,
		"AddNotificationChannel": 403, "RemoveNotificationChannel": 403, "UpdateResourceCollection": 403}

	h := devopsguru.New(devopsguru.Options{})
	ops := h.Operations()
	if len(ops) < 20 {
		t.Fatalf("only %d operations", len(ops))
	}
	for _, op := range ops {
		f := strings.Fields(op)
		method, path, name := f[0], f[1], f[2]
		for k, v := range params {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		if name == "DescribeAnomaly" {
			path = strings.Replace(path, "ins-0001", "anom-0001", 1)
		}
		body := bodies[name]
		t.Run(name, func(t *testing.T) {
			url := ts.srv.URL + path
			if code, hdr, b := do(t, nil, method, url, body); code != 403 || hdr.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" {
				t.Errorf("no credential: %d %s %s", code, hdr.Get("X-Amzn-Errortype"), b)
			}
			if code, hdr, b := do(t, writer, method, url, body); code != 403 || hdr.Get("X-Amzn-Errortype") != "AccessDeniedException" {
				t.Errorf("write-only key: %d %s %s", code, hdr.Get("X-Amzn-Errortype"), b)
			}
			want := otherWant[name]
			if want == 0 {
				want = 200
			}
			code, hdr, b := do(t, other, method, url, body)
			if code != want || (code == 200 && (strings.Contains(b, "ins-0001") || strings.Contains(b, "ins-0002"))) {
				t.Errorf("key of another account: %d %s %s (want %d)", code, hdr.Get("X-Amzn-Errortype"), b, want)
			}
			if name == "RemoveNotificationChannel" {
				_, _, added := do(t, admin, http.MethodPut, ts.srv.URL+"/devops-guru/channels", `{"Config":{"Sns":{"TopicArn":"arn:aws:sns:eu-west-1:111111111111:gone"}}}`)
				var out struct{ Id string }
				_ = json.Unmarshal([]byte(added), &out)
				url = strings.Replace(url, "ins-0001", out.Id, 1)
			}
			code, hdr, b = do(t, admin, method, url, body)
			if code != 200 || !json.Valid([]byte(b)) {
				t.Errorf("admin key: %d %s %s", code, hdr.Get("X-Amzn-Errortype"), b)
			}
		})
	}
}

// TestChannels maps AddNotificationChannel onto tend's SNS channels.
func TestChannels(t *testing.T) {
	ts := startTend(t)
	admin := &signer{}
	admin.id, admin.secret = ts.key(t, []string{"admin"})
	base := ts.srv.URL + "/devops-guru/channels"
	code, _, b := do(t, admin, http.MethodPut, base, `{"Config":{"Sns":{"TopicArn":"arn:aws:sns:eu-west-1:111111111111:ops"},"Filters":{"Severities":["HIGH"],"MessageTypes":["NEW_INSIGHT"]}}}`)
	if code != 200 {
		t.Fatalf("add: %d %s", code, b)
	}
	var added struct{ Id string }
	if err := json.Unmarshal([]byte(b), &added); err != nil || len(added.Id) != 36 {
		t.Fatalf("add: %s", b)
	}
	rec, err := ts.app.Store().Channels().Get(context.Background(), "devops-guru-"+added.Id)
	if err != nil || rec.Type != "sns" || !bytes.Contains(rec.Spec, []byte(`"topic_arn":"arn:aws:sns:eu-west-1:111111111111:ops"`)) || !bytes.Contains(rec.Spec, []byte(`"high"`)) {
		t.Fatalf("stored channel: %+v %s %v", rec, rec.Spec, err)
	}
	if code, hdr, _ := do(t, admin, http.MethodPut, base, `{"Config":{"Sns":{"TopicArn":"arn:aws:sns:eu-west-1:111111111111:ops"}}}`); code != 409 || hdr.Get("X-Amzn-Errortype") != "ConflictException" {
		t.Fatalf("the same topic twice: %d", code)
	}
	if code, hdr, b := do(t, admin, http.MethodPut, base, `{"Config":{"Sns":{"TopicArn":"not-an-arn"}}}`); code != 400 || hdr.Get("X-Amzn-Errortype") != "ValidationException" || !strings.Contains(b, `"Name":"Config.Sns.TopicArn"`) {
		t.Fatalf("a bad topic: %d %s", code, b)
	}
	code, _, b = do(t, admin, http.MethodPost, base, `{}`)
	if code != 200 || !strings.Contains(b, added.Id) || !strings.Contains(b, `"Severities":["HIGH"]`) {
		t.Fatalf("list: %d %s", code, b)
	}
	if code, _, b := do(t, admin, http.MethodDelete, base+"/"+added.Id, ""); code != 200 {
		t.Fatalf("remove: %d %s", code, b)
	}
	if code, hdr, _ := do(t, admin, http.MethodDelete, base+"/"+added.Id, ""); code != 404 || hdr.Get("X-Amzn-Errortype") != "ResourceNotFoundException" {
		t.Fatalf("remove again: %d", code)
	}
}

// TestSignatureChecks covers what the clients never send: a tampered
// body, an old date, another service's scope.
func TestSignatureChecks(t *testing.T) {
	ts := startTend(t)
	s := &signer{}
	s.id, s.secret = ts.key(t, []string{"read"})
	url := ts.srv.URL + "/devops-guru/insights"
	body := `{"StatusFilter":{"Ongoing":{"Type":"REACTIVE"}}}`
	sign := func(service string, at time.Time, signedBody string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		sum := sha256.Sum256([]byte(signedBody))
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: s.id, SecretAccessKey: s.secret},
			req, hex.EncodeToString(sum[:]), service, "eu-west-1", at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, c := range []struct {
		name string
		req  *http.Request
		typ  string
	}{
		{"ok", sign("devops-guru", time.Now(), body), ""},
		{"tampered body", sign("devops-guru", time.Now(), `{"StatusFilter":{}}`), "InvalidSignatureException"},
		{"20 minutes old", sign("devops-guru", time.Now().Add(-20*time.Minute), body), "InvalidSignatureException"},
		{"another service", sign("s3", time.Now(), body), "InvalidSignatureException"},
	} {
		resp, err := http.DefaultClient.Do(c.req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Amzn-Errortype"); got != c.typ || (c.typ == "" && resp.StatusCode != 200) || (c.typ != "" && resp.StatusCode != 403) {
			t.Errorf("%s: %d %s %s", c.name, resp.StatusCode, got, b)
		}
	}
}
