//! A real browser for the page tests: headless Chromium from Debian's `chromium` and
//! `chromium-driver` packages, driven over WebDriver (fantoccini), and axe-core from npm
//! (installed into the target directory at test time, never committed) to check WCAG 2.x
//! A/AA on every page.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The phone the issue names: 390 × 844.
pub const PHONE: (u32, u32) = (390, 844);
/// A desktop.
pub const DESKTOP: (u32, u32) = (1280, 900);

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const AXE_VERSION: &str = "4.14.1";

/// A headless Chromium and its driver; both stop when this is dropped.
pub struct Browser {
    driver: Child,
    profile: std::path::PathBuf,
    /// The WebDriver session.
    pub client: Client,
}

impl Drop for Browser {
    /// Stops chromedriver and the Chromium it started (found by its own profile folder:
    /// killing the driver alone leaves the browser running).
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill").arg("-KILL").arg("-f").arg(&self.profile).status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// Starts Chromium at the phone's size. Panics, saying what to install, when the
    /// packages are missing: the page tests do not skip.
    pub async fn start() -> Self {
        for bin in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: `apt-get install -y chromium chromium-driver` (.ci/run does this)"
            );
        }
        let port = free_port();
        let profile = std::env::temp_dir().join(format!("page-test-chromium-{}", uuid::Uuid::now_v7()));
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--disable-background-networking", "--lang=zh-CN",
                         format!("--user-data-dir={}", profile.display()),
                         format!("--window-size={},{}", PHONE.0, PHONE.1)]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Self { driver, profile, client },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start: {last:?}");
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.settle().await;
    }

    /// Waits until the page that a click or a submission asked for has loaded: the marker
    /// set on the old document is gone and the new one is complete.
    pub async fn settle(&self) {
        for _ in 0..200 {
            let done =
                self.client.execute("return !window.__before && document.readyState === 'complete';", Vec::new()).await;
            if matches!(done, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page did not load: {}", self.url().await);
    }

    /// Clicks `element` and waits for the page it leads to.
    pub async fn click(&self, element: fantoccini::elements::Element) {
        self.client.execute("window.__before = true;", Vec::new()).await.unwrap();
        element.click().await.unwrap();
        self.settle().await;
    }

    /// Clicks the first element matching `css` and waits for the page it leads to.
    pub async fn click_css(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        self.click(element).await;
    }

    /// Clicks the first element matching `css` that changes the page in place (a checkbox,
    /// a radio button, a disclosure), without waiting for a page to load.
    pub async fn tick(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        element.click().await.unwrap();
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        self.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
    }

    /// Types `text` into the field named `name`.
    pub async fn fill(&self, name: &str, text: &str) {
        let field = self.client.find(Locator::Css(&format!("[name=\"{name}\"]"))).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses `value` in the select named `name`.
    pub async fn choose(&self, name: &str, value: &str) {
        let field = self.client.find(Locator::Css(&format!("select[name=\"{name}\"]"))).await.unwrap();
        field.select_by_value(value).await.unwrap();
    }

    /// Attaches the file at `path` to the file input named `name`.
    pub async fn attach(&self, name: &str, path: &std::path::Path) {
        let field = self.client.find(Locator::Css(&format!("input[type=file][name=\"{name}\"]"))).await.unwrap();
        field.send_keys(path.to_str().unwrap()).await.unwrap();
    }

    /// Clicks the button (or link) whose text is `label`.
    pub async fn press(&self, label: &str) {
        let xpath = format!("//button[normalize-space(.)='{label}'] | //a[normalize-space(.)='{label}']");
        let target = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button or link `{label}`: {e}"));
        self.click(target).await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Forgets every cookie: a visitor who never signed in.
    pub async fn forget(&self) {
        self.client.delete_all_cookies().await.unwrap();
    }

    /// Runs axe-core on the page at both sizes and panics with every WCAG 2.x A/AA violation.
    pub async fn accessible(&self, what: &str) {
        let axe = axe_source();
        for (w, h) in [PHONE, DESKTOP] {
            self.client.set_window_size(w, h).await.unwrap();
            self.client.execute(&axe, Vec::new()).await.unwrap();
            let result = self
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] })
                        .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help,
                            nodes: v.nodes.map(n => n.html.slice(0, 160)) }))))
                        .catch(e => done([{ id: 'axe-error', help: String(e), nodes: [] }]));",
                    Vec::new(),
                )
                .await
                .unwrap();
            assert_eq!(result, json!([]), "axe-core on {what} at {w}×{h}");
        }
        self.client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    }
}

/// axe-core's script, installed from npm into the target directory on first use.
fn axe_source() -> String {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/axe-core");
        let script = dir.join("node_modules/axe-core/axe.min.js");
        if !script.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            let status = Command::new("npm")
                .args(["install", "--no-save", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(format!("axe-core@{AXE_VERSION}"))
                .status()
                .unwrap_or_else(|e| panic!("npm is needed to fetch axe-core for the page tests: {e}"));
            assert!(status.success(), "npm install axe-core@{AXE_VERSION} failed");
        }
        std::fs::read_to_string(&script).unwrap()
    })
    .clone()
}
