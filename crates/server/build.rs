//! Builds the operator page (`web/`, Vite) into OUT_DIR and embeds it in the binary, so that
//! `cargo run -p tessera-cli -- run` serves the page with no separate step.
//!
//! - `TESSERA_WEB_DIST=DIR`: embed an already built page instead of building it.
//! - Without npm (or when the build fails): under `CI=true` the build fails loudly; otherwise a
//!   placeholder page explaining how to build is embedded and cargo prints a warning.

use std::path::{Path, PathBuf};
use std::process::Command;

fn npm(web: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("npm")
        .args(args)
        .current_dir(web)
        .env("NO_UPDATE_NOTIFIER", "1")
        .status()
        .map_err(|e| format!("cannot run npm {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm {} failed ({status})", args.join(" ")))
    }
}

fn build_page(web: &Path, out: &Path) -> Result<(), String> {
    let lock = web.join("package-lock.json");
    let stamp = web.join("node_modules/.package-lock.json");
    let stale = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => l.modified().ok() > s.modified().ok(),
        _ => true,
    };
    if stale {
        npm(web, &["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    let out_s = out.to_str().ok_or("OUT_DIR is not UTF-8")?;
    npm(
        web,
        &[
            "run",
            "build",
            "--",
            "--outDir",
            out_s,
            "--emptyOutDir",
            "--logLevel",
            "warn",
        ],
    )?;
    if !out.join("index.html").exists() {
        return Err("the page build wrote no index.html".into());
    }
    Ok(())
}

fn files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, base, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push((rel.to_string_lossy().replace('\\', "/"), p.clone()));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let web = manifest.join("../../web");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    for f in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(f).display());
    }
    println!("cargo:rerun-if-env-changed=TESSERA_WEB_DIST");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let dist = match std::env::var("TESSERA_WEB_DIST") {
        Ok(d) => PathBuf::from(d),
        Err(_) => {
            let d = out_dir.join("web-dist");
            if let Err(e) = build_page(&web, &d) {
                if ci {
                    panic!("building the operator page failed: {e}");
                }
                println!("cargo:warning=operator page not built ({e}); a placeholder is served");
                std::fs::create_dir_all(&d).expect("placeholder dir");
                std::fs::write(
                    d.join("index.html"),
                    format!(
                        "<!doctype html><title>Tessera</title><h1>Tessera</h1>\
                         <p>The operator page was not built: {e}.</p>\
                         <p>Install Node.js 20 and npm, then rebuild; the API is served under /api.</p>"
                    ),
                )
                .expect("placeholder page");
            }
            d
        }
    };
    let mut list = Vec::new();
    files(&dist, &dist, &mut list);
    let mut code = String::from(
        "/// The embedded page: (path, bytes).\npub static ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for (rel, path) in &list {
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("assets.rs"), code).expect("assets.rs");
}
