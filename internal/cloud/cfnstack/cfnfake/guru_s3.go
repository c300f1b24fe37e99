package cfnfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// DevOpsGuru is a fake Amazon DevOps Guru endpoint (REST-JSON) serving
// PUT /resource-collections (UpdateResourceCollection).
type DevOpsGuru struct {
	mu     sync.Mutex
	stacks map[string]bool
	// Fail, when set, answers every call with this ValidationException.
	Fail string
}

// NewDevOpsGuru returns a fake with no stacks enrolled.
func NewDevOpsGuru() *DevOpsGuru { return &DevOpsGuru{stacks: map[string]bool{}} }

// Enrolled reports whether a stack is in the resource collection.
func (g *DevOpsGuru) Enrolled(stack string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stacks[stack]
}

func (g *DevOpsGuru) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut || r.URL.Path != "/resource-collections" {
		restError(w, http.StatusNotFound, "ResourceNotFoundException", "no route for "+r.Method+" "+r.URL.Path)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		restError(w, http.StatusBadRequest, "ValidationException", "Content-Type must be application/json")
		return
	}
	if g.Fail != "" {
		restError(w, http.StatusBadRequest, "ValidationException", g.Fail)
		return
	}
	var in struct {
		Action             string `json:"Action"`
		ResourceCollection struct {
			CloudFormation *struct {
				StackNames []string `json:"StackNames"`
			} `json:"CloudFormation"`
		} `json:"ResourceCollection"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		restError(w, http.StatusBadRequest, "ValidationException", "body is not JSON: "+err.Error())
		return
	}
	if in.Action != "ADD" && in.Action != "REMOVE" {
		restError(w, http.StatusBadRequest, "ValidationException", "Action must be ADD or REMOVE")
		return
	}
	if in.ResourceCollection.CloudFormation == nil || len(in.ResourceCollection.CloudFormation.StackNames) == 0 {
		restError(w, http.StatusBadRequest, "ValidationException", "ResourceCollection.CloudFormation.StackNames is required")
		return
	}
	g.mu.Lock()
	for _, s := range in.ResourceCollection.CloudFormation.StackNames {
		g.stacks[s] = in.Action == "ADD"
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", "0d1e2f3a-0000-4000-8000-000000000000")
	fmt.Fprint(w, "{}")
}

func restError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

// S3 is a fake S3 endpoint for path-style PutObject (PUT /bucket/key) and
// GetObject, enough to hold templates for TemplateURL.
type S3 struct {
	mu      sync.Mutex
	objects map[string][]byte // "bucket/key"
}

// NewS3 returns an empty fake.
func NewS3() *S3 { return &S3{objects: map[string][]byte{}} }

// Object returns a stored object by "bucket/key".
func (s *S3) Object(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[path]
	return b, ok
}

func (s *S3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if !strings.Contains(path, "/") {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>path-style bucket/key expected</Message></Error>`)
		return
	}
	switch r.Method {
	case http.MethodPut:
		b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.objects[path] = b
		s.mu.Unlock()
		w.Header().Set("ETag", `"9b2cf535f27731c974343645a3985328"`)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		b, ok := s.Object(path)
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		_, _ = w.Write(b)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// Fetcher returns a CloudFormation.FetchTemplate that resolves URLs under
// base (the fake S3 server's URL) from this fake's objects.
func (s *S3) Fetcher(base string) func(string) (string, bool) {
	return func(u string) (string, bool) {
		p, ok := strings.CutPrefix(u, strings.TrimRight(base, "/")+"/")
		if !ok {
			return "", false
		}
		b, ok := s.Object(p)
		return string(b), ok
	}
}

// AWS serves all three fakes from one endpoint, the way a LocalStack-like
// --endpoint-url does: DevOps Guru's PUT /resource-collections, CloudFormation's
// form POSTs to /, and S3 path-style objects everywhere else.
type AWS struct {
	CloudFormation *CloudFormation
	S3             *S3
	DevOpsGuru     *DevOpsGuru
}

// NewAWS returns fresh fakes; call Wire with the server URL once started.
func NewAWS() *AWS {
	return &AWS{CloudFormation: NewCloudFormation(), S3: NewS3(), DevOpsGuru: NewDevOpsGuru()}
}

// Wire lets CloudFormation read TemplateURLs from the fake S3 at baseURL.
func (a *AWS) Wire(baseURL string) { a.CloudFormation.FetchTemplate = a.S3.Fetcher(baseURL) }

func (a *AWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/resource-collections":
		a.DevOpsGuru.ServeHTTP(w, r)
	case r.Method == http.MethodPost && (r.URL.Path == "/" || r.URL.Path == ""):
		a.CloudFormation.ServeHTTP(w, r)
	default:
		a.S3.ServeHTTP(w, r)
	}
}
