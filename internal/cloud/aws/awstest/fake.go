// Package awstest is a fake AWS for tests: one httptest server that speaks
// the wire protocols tend's AWS clients use, so the real aws-sdk-go-v2
// clients can be pointed at it (BaseEndpoint = Fake.URL, S3 path-style):
//
//   - awsJson1.1 (POST /, X-Amz-Target, application/x-amz-json-1.1, errors
//     as {"__type": …, "message": …}) for Service Catalog and SSM;
//   - the EC2 query protocol (form-encoded Action=DescribeInstances&
//     Version=2016-11-15, XML responses, <Response><Errors> errors);
//   - S3 REST-XML, path-style (GET/PUT /bucket/key, aws-chunked uploads,
//     <Error><Code>NoSuchKey</Code> errors).
//
// It keeps state — instances, parameters, products, provisioning
// artifacts, objects — honours Service Catalog's IdempotencyToken, and can
// inject failures per operation, before or after acting.
package awstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Region and Account of the fake.
const (
	Region  = "eu-west-1"
	Account = "123456789012"
	// TemplateBucket is a bucket the fake creates for seeded templates.
	TemplateBucket = "fake-sc-templates"
)

// Instance is an EC2 instance.
type Instance struct {
	ID    string
	Type  string
	State string // running unless set
	Tags  map[string]string
}

// Parameter is an SSM parameter.
type Parameter struct {
	Name    string
	Type    string // String, StringList, SecureString
	Value   string
	Version int64
}

// Artifact is a Service Catalog provisioning artifact.
type Artifact struct {
	ID          string
	Name        string
	Description string
	Type        string
	Active      bool
	Guidance    string // DEFAULT or DEPRECATED
	CreatedTime time.Time
	TemplateURL string
	// Token is the IdempotencyToken it was created with.
	Token string
}

// Product is a Service Catalog product.
type Product struct {
	ID        string
	ARN       string
	Name      string
	Owner     string
	CreatedAt time.Time
	Artifacts []*Artifact
}

type fault struct {
	status int
	code   string
	after  bool // act, then answer the error (a lost response)
}

// Fake is a fake AWS endpoint. Its methods are safe for concurrent use.
type Fake struct {
	*httptest.Server

	mu        sync.Mutex
	instances map[string]Instance
	params    map[string]Parameter
	products  map[string]*Product
	objects   map[string]map[string][]byte // bucket → key → body
	tokens    map[string]string            // productID/token → artifact id
	faults    map[string][]fault
	calls     map[string]int
	seq       int
	now       func() time.Time
	unsigned  int
	topics    map[string][]SNSMessage // SNS topic ARN → published messages
}

// NewFake starts a fake AWS endpoint with an empty TemplateBucket; Close it
// when done.
func NewFake() *Fake {
	f := &Fake{
		instances: map[string]Instance{},
		params:    map[string]Parameter{},
		products:  map[string]*Product{},
		objects:   map[string]map[string][]byte{TemplateBucket: {}},
		tokens:    map[string]string{},
		faults:    map[string][]fault{},
		calls:     map[string]int{},
	}
	base := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	f.now = func() time.Time { f.seq++; return base.Add(time.Duration(f.seq) * time.Second) }
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// id returns a fresh id with prefix and a fixed-width lowercase suffix.
func (f *Fake) id(prefix string, width int) string {
	f.seq++
	s := fmt.Sprintf("%0*x", width, f.seq*7919+width)
	return prefix + s[len(s)-width:]
}

// AddInstance seeds an EC2 instance.
func (f *Fake) AddInstance(in Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.State == "" {
		in.State = "running"
	}
	f.instances[in.ID] = in
}

// PutParameter seeds or overwrites an SSM parameter.
func (f *Fake) PutParameter(name, typ, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.params[name]
	f.params[name] = Parameter{Name: name, Type: typ, Value: value, Version: p.Version + 1}
}

// CreateBucket creates an S3 bucket.
func (f *Fake) CreateBucket(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objects[name] == nil {
		f.objects[name] = map[string][]byte{}
	}
}

// Object returns an S3 object's body.
func (f *Fake) Object(bucket, key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[bucket][key]
	return b, ok
}

// AddProduct creates a Service Catalog product and returns it.
func (f *Fake) AddProduct(name string) Product {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.id("prod-", 13)
	p := &Product{ID: id, Name: name, Owner: "platform", CreatedAt: f.now(),
		ARN: fmt.Sprintf("arn:aws:catalog:%s:%s:product/%s", Region, Account, id)}
	f.products[id] = p
	return *p
}

// AddVersion stores template in TemplateBucket and adds an active
// provisioning artifact named name loading it; it returns the artifact id.
func (f *Fake) AddVersion(productID, name string, template []byte) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.products[productID]
	if p == nil {
		panic("awstest: AddVersion on unknown product " + productID)
	}
	key := "seed/" + productID + "/" + name + ".template"
	f.objects[TemplateBucket][key] = append([]byte(nil), template...)
	a := &Artifact{ID: f.id("pa-", 13), Name: name, Description: "seeded " + name, Type: "CLOUD_FORMATION_TEMPLATE",
		Active: true, Guidance: "DEFAULT", CreatedTime: f.now(), TemplateURL: f.URL + "/" + TemplateBucket + "/" + key}
	p.Artifacts = append(p.Artifacts, a)
	return a.ID
}

// Artifacts returns a product's provisioning artifacts in creation order.
func (f *Fake) Artifacts(productID string) []Artifact {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.products[productID]
	if p == nil {
		return nil
	}
	out := make([]Artifact, len(p.Artifacts))
	for i, a := range p.Artifacts {
		out[i] = *a
	}
	return out
}

// Fail makes the next n calls of op (an API operation name such as
// "CreateProvisioningArtifact", "DescribeInstances", "GetObject") answer
// status with error code code, without acting.
func (f *Fake) Fail(op string, n, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[op] = append(f.faults[op], fault{status: status, code: code})
	}
}

// FailAfter makes the next call of op act and then answer status with
// code, as when the response to a successful call is lost.
func (f *Fake) FailAfter(op string, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], fault{status: status, code: code, after: true})
}

// Calls returns how many times op was called.
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Unsigned returns how many requests came without a SigV4 Authorization.
func (f *Fake) Unsigned() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unsigned
}

// begin counts a call and pops its fault, if any.
func (f *Fake) begin(op string) (fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	q := f.faults[op]
	if len(q) == 0 {
		return fault{}, false
	}
	f.faults[op] = q[1:]
	return q[0], true
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	signed := strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=")
	if !signed {
		f.mu.Lock()
		f.unsigned++
		f.mu.Unlock()
	}
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		if !signed {
			writeJSONError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
			return
		}
		f.serveJSON(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/" &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		if !signed {
			writeEC2Error(w, http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
			return
		}
		if isSNS(r) {
			f.serveSNS(w, r)
			return
		}
		f.serveEC2(w, r)
	default:
		if !signed {
			writeS3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied", "")
			return
		}
		f.serveS3(w, r)
	}
}

func requestID() string { return fmt.Sprintf("%x", time.Now().UnixNano()) }
