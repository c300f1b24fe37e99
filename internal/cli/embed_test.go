package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tendhq/tend/internal/cloud/aws/awstest"
	"github.com/tendhq/tend/internal/embed/dynamo/dynamotest"
	"github.com/tendhq/tend/internal/embed/queue"
)

const (
	embedModel  = "../../models/fashion-mnist/fashion-cnn.onnx"
	embedImages = "../embed/testdata/fashion"
)

func TestEmbedRunResumes(t *testing.T) {
	data := t.TempDir()
	args := []string{"embed", "run", "--source", embedImages, "--model", embedModel, "--data-dir", data, "--batch", "7", "--workers", "2"}
	code, out, errOut := runCLI(t, nil, args...)
	if code != 0 || !strings.Contains(out, "20 images: 20 embedded, 0 already embedded, 0 failed") {
		t.Fatalf("first run: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, nil, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("rerun: %d %s", code, errOut)
	}
	var rep struct {
		Reports []struct{ Embedded, Skipped int }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Reports) != 1 || rep.Reports[0].Skipped != 20 || rep.Reports[0].Embedded != 0 {
		t.Fatalf("rerun: %v %s", err, out)
	}
}

func TestEmbedFlagErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"no model":  {"embed", "run", "--source", embedImages},
		"bad sink":  {"embed", "run", "--source", embedImages, "--model", embedModel, "--sink", "mysql://x", "--data-dir", t.TempDir()},
		"no source": {"embed", "run", "--source", "/does/not/exist", "--model", embedModel, "--data-dir", t.TempDir()},
		"bad model": {"embed", "run", "--source", embedImages, "--model", "embed_test.go", "--data-dir", t.TempDir()},
		"scheme":    {"embed", "run", "--source", "ftp://x/y", "--model", embedModel, "--data-dir", t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			if code, _, _ := runCLI(t, nil, args...); code == 0 {
				t.Fatal("accepted")
			}
		})
	}
}

func TestEmbedEvalAndBench(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "embed", "eval", "--model", embedModel, "--train", embedImages, "--test", embedImages)
	if code != 0 || !strings.Contains(out, "1-NN accuracy 1.0000 (20 of 20") {
		t.Fatalf("eval: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, nil, "embed", "bench", "--model", embedModel, "--seconds", "0.2", "--batch", "4")
	if code != 0 || !strings.Contains(out, "images/s") {
		t.Fatalf("bench: %d %s %s", code, out, errOut)
	}
}

// TestEmbedSubmitWorkerStatus drives the distributed commands against the
// NATS server (JetStream) at 127.0.0.1:4222, under names of its own.
func TestEmbedSubmitWorkerStatus(t *testing.T) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := "c" + hex.EncodeToString(b[:])
	natsURL := "nats://127.0.0.1:4222"
	if u := os.Getenv("TEND_TEST_NATS_URL"); u != "" {
		natsURL = u
	}
	common := []string{"--nats", natsURL, "--jetstream-prefix", prefix, "--ack-wait", "5s"}
	t.Cleanup(func() { cleanupJetStream(t, natsURL, prefix) })
	code, out, errOut := runCLI(t, nil, append([]string{"embed", "submit", "--source", embedImages, "--model", embedModel, "--batch", "6"}, common...)...)
	if code != 0 {
		t.Fatalf("submit: %d %s", code, errOut)
	}
	job := strings.TrimSpace(out)
	if !strings.Contains(errOut, "20 images in 4 batches queued as job "+job) {
		t.Fatalf("submit said %q", errOut)
	}
	code, out, _ = runCLI(t, nil, append([]string{"embed", "status", job}, common...)...)
	if code != 0 || !strings.Contains(out, job+"  4        0     0          0       4") {
		t.Fatalf("status before: %d\n%s", code, out)
	}
	data := t.TempDir()
	code, _, errOut = runCLI(t, nil, append([]string{"embed", "worker", "--model", embedModel, "--data-dir", data, "--exit-when-idle", "1s", "--log-level", "warn", "--workers", "2"}, common...)...)
	if code != 0 {
		t.Fatalf("worker: %d %s", code, errOut)
	}
	code, out, _ = runCLI(t, nil, append([]string{"embed", "status", job, "--wait", "--json"}, common...)...)
	var st struct {
		Status struct {
			Done, Embedded int
		}
		Complete bool
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !st.Complete || st.Status.Done != 4 || st.Status.Embedded != 20 {
		t.Fatalf("status after: %d %s", code, out)
	}
	code, _, errOut = runCLI(t, nil, append([]string{"embed", "status", "nope"}, common...)...)
	if code == 0 || !strings.Contains(errOut, "no such job") {
		t.Fatalf("unknown job: %d %s", code, errOut)
	}
}

// cleanupJetStream deletes a test's streams and bucket.
func cleanupJetStream(t *testing.T, url, prefix string) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Logf("clean up JetStream: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	n := queue.NewNames(prefix)
	ctx := context.Background()
	_ = js.DeleteStream(ctx, n.Stream)
	_ = js.DeleteStream(ctx, n.DeadStream)
	_ = js.DeleteKeyValue(ctx, n.Bucket)
}

// TestEmbedS3ToDynamoDB runs tend embed run from an S3 prefix into a
// DynamoDB table, both fakes speaking the real protocols to the real SDK
// clients the command builds (--aws-endpoint).
func TestEmbedS3ToDynamoDB(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	s3f := awstest.NewFake()
	t.Cleanup(s3f.Close)
	n := 0
	err := filepath.Walk(embedImages, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(embedImages, p)
		s3f.PutObject("photos", "fashion/"+filepath.ToSlash(rel), data)
		n++
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s3f.PutObject("photos", "fashion/notes.txt", []byte("not an image"))
	ddb := dynamotest.New()
	t.Cleanup(ddb.Close)
	ddb.CreateTable("embeddings", "ImageId")
	// One endpoint for both services: route by protocol.
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		target := ddb.URL
		if r.Header.Get("X-Amz-Target") == "" {
			target = s3f.URL
		}
		proxy(w, r, target)
	})
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	code, out, errOut := runCLI(t, nil, "embed", "run", "--source", "s3://photos/fashion/", "--model", embedModel,
		"--sink", "dynamodb://embeddings", "--aws-endpoint", front.URL, "--batch", "8")
	if code != 0 || !strings.Contains(out, "s3://photos/fashion/: 20 images: 20 embedded") {
		t.Fatalf("run: %d\n%s\n%s", code, out, errOut)
	}
	// A rerun reads the items back (BatchGetItem) and skips them all.
	code, out, errOut = runCLI(t, nil, "embed", "run", "--source", "s3://photos/fashion/", "--model", embedModel,
		"--sink", "dynamodb://embeddings", "--aws-endpoint", front.URL, "--batch", "8")
	if code != 0 || !strings.Contains(out, "20 images: 0 embedded, 20 already embedded") {
		t.Fatalf("rerun: %d\n%s\n%s", code, out, errOut)
	}
	items := ddb.Items("embeddings")
	if len(items) != n {
		t.Fatalf("%d items, want %d", len(items), n)
	}
	if _, ok := items["fashion/coat/00006.png"]; !ok {
		t.Fatalf("no item for fashion/coat/00006.png")
	}
}

// proxy forwards a request to target and copies the answer back.
func proxy(w http.ResponseWriter, r *http.Request, target string) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	req.ContentLength = r.ContentLength
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
