package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck asks the local server's /healthz: the container HEALTHCHECK
// (the final image has no curl).
func (m *Main) healthcheck(ctx context.Context, args []string) int {
	fs := m.flags("healthcheck", "Exits 0 when the server listening at the configured address answers /healthz\nwith 200 within the timeout, 1 otherwise.")
	path := fs.String("config", "", "config file (default ./syndicate.yaml if present, else built-in defaults)")
	url := fs.String("url", "", "URL to check instead of http://<listen>/healthz")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	target := *url
	if target == "" {
		cfg, code := m.loadConfig(*path)
		if cfg == nil {
			return code
		}
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			fmt.Fprintf(m.Stderr, "healthcheck: listen %q: %v\n", cfg.Listen, err)
			return exitFailed
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		target = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintf(m.Stderr, "healthcheck: %v\n", err)
		return exitFailed
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(m.Stderr, "healthcheck: %v\n", err)
		return exitFailed
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(m.Stderr, "healthcheck: %s answered %s\n", target, resp.Status)
		return exitFailed
	}
	fmt.Fprintf(m.Stdout, "ok: %s\n", target)
	return exitOK
}
