import Foundation

/// Sample answers in the shapes the Machines API reference documents.
enum Fixtures {
    static let machine = """
        {
          "id": "1857156b526dd8",
          "name": "aged-wind-2649",
          "state": "started",
          "region": "local",
          "instance_id": "01HEPA330HZ37A78TK080NAK1M",
          "version": "01HEPA330HZ37A78TK080NAK1M",
          "private_ip": "fdaa:0:18:a7b:196:e274:9ce1:2",
          "config": {
            "image": "nginx:latest",
            "env": {"PORT": "8080"},
            "init": {"cmd": ["nginx", "-g", "daemon off;"]},
            "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
            "restart": {"policy": "on-failure", "max_retries": 10},
            "services": [{"protocol": "tcp", "internal_port": 8080, "ports": [{"port": 80, "handlers": ["http"]}], "autostop": "suspend", "force_instance_key": null}],
            "stop_config": {"timeout": "10s", "signal": "SIGTERM"},
            "metadata": {"fly_process_group": "app"}
          },
          "incomplete_config": null,
          "image_ref": {"registry": "registry-1.docker.io", "repository": "library/nginx", "tag": "latest", "digest": "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31", "labels": {}},
          "created_at": "2023-10-31T02:30:10Z",
          "updated_at": "2023-10-31T02:30:26Z",
          "events": [
            {"id": "01HEPA3H4HX6W2H4M8RW0Q1B2Y", "type": "exit", "status": "stopped", "source": "flyd", "timestamp": 1698719726615,
             "request": {"exit_event": {"exit_code": 1, "guest_exit_code": 1, "guest_signal": 0, "signal": -1, "oom_killed": false, "requested_stop": false, "restarting": true, "exited_at": "2023-10-31T02:35:26.6Z"}, "restart_count": 2}},
            {"id": "01HEPA330HZ37A78TK080NAK1N", "type": "start", "status": "started", "source": "flyd", "timestamp": 1698719410000},
            {"id": "01HEPA330HZ37A78TK080NAK1M", "type": "launch", "status": "created", "source": "user", "timestamp": 1698719409000}
          ],
          "checks": [{"name": "servicecheck-00-http-8080", "status": "passing", "output": "Success", "updated_at": "2023-10-31T02:31:00Z"}],
          "host_status": "ok",
          "cordoned": false,
          "runtime": "container",
          "unknown_future_field": {"ignored": true}
        }
        """

    static let appList = """
        {"total_apps": 1, "apps": [{"id": "z4k69dxd8r31p5mx", "name": "web", "status": "deployed", "network": "default",
          "internal_numeric_id": 42, "machine_count": 2, "volume_count": 0,
          "organization": {"name": "Personal", "slug": "personal", "internal_numeric_id": 1}, "created_at": 1708631799000}]}
        """

    static let lease = """
        {"status": "success", "data": {"nonce": "5c35f65c9f95", "expires_at": 1708569778, "owner": "user@example", "description": "", "version": "01HEPA330HZ37A78TK080NAK1M"}}
        """

    static let wait = """
        {"ok": true, "state": "started", "version": "01HEPA330HZ37A78TK080NAK1M", "event_id": "01HEPA330HZ37A78TK080NAK1N"}
        """

    static let start = """
        {"previous_state": "stopped", "migrated": false, "new_host": ""}
        """

    static let orgMachines = """
        {"machines": [{"id": "1857156b526dd8", "name": "aged-wind-2649", "state": "started", "region": "local",
          "private_ip": "fdaa::2", "app_name": "web", "version": "01HEPA330HZ37A78TK080NAK1M",
          "created_at": "2023-10-31T02:30:10Z", "updated_at": "2023-10-31T02:30:26Z", "config": {"image": "nginx"}}],
         "next_cursor": "abc", "last_machine_id": "1857156b526dd8", "last_updated_at": "2023-10-31T02:30:26Z", "error_regions": []}
        """

    static func data(_ text: String) -> Data { Data(text.utf8) }
}
