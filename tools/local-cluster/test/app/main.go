// smoke-app: the smoke test's workload, a static HTTP server in a FROM-scratch image.
//
//	smoke-app serve          answers GET / with "smoke-app ok <hostname> <MESSAGE>"
//	smoke-app get URL        prints URL's body (a client inside the cluster, to test Service DNS)
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "get" {
		client := http.Client{Timeout: 10 * time.Second}
		resp, err := client.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "smoke-app:", err)
			os.Exit(1)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Print(string(body))
		if resp.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		return
	}
	host, _ := os.Hostname()
	addr := ":" + envOr("PORT", "8080")
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "smoke-app ok %s %s\n", host, os.Getenv("MESSAGE"))
	})
	fmt.Println("smoke-app listening on", addr)
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "smoke-app:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
