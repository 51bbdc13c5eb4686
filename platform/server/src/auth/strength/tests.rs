#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

const FIXTURE: &str = include_str!("../../../../../web/src/auth/strength/fixture.json");

#[derive(serde::Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    password: String,
    email: String,
    name: String,
    company: String,
    verdict: String,
    note: String,
}

fn verdict(r: &Result<(), PasswordError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(PasswordError::TooShort) => "too_short",
        Err(PasswordError::TooLong) => "too_long",
        Err(PasswordError::Guessable { .. }) => "guessable",
    }
}

#[test]
fn the_shared_fixture_gets_the_verdicts_the_web_app_gives() {
    let fixture: Fixture = serde_json::from_str(FIXTURE).unwrap();
    assert!(fixture.cases.len() >= 40);
    let wrong: Vec<String> = fixture
        .cases
        .iter()
        .filter_map(|c| {
            let ctx = PasswordContext {
                email: &c.email,
                name: &c.name,
                company: &c.company,
            };
            let got = verdict(&check_password_policy(&c.password, &ctx));
            (got != c.verdict).then(|| {
                format!(
                    "{:?} ({}): expected {}, got {got}",
                    c.password, c.note, c.verdict
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn user_inputs_are_the_personal_words_then_the_common_ones() {
    let inputs = user_inputs(&PasswordContext {
        email: "Ada.Lovelace@Acme.test",
        name: "Ada Lovelace",
        company: "Acme Logistics",
    });
    assert_eq!(
        inputs[..10],
        [
            "ada.lovelace@acme.test",
            "ada.lovelace",
            "adalovelace",
            "ada",
            "lovelace",
            "acme",
            "ada lovelace",
            "acme logistics",
            "acmelogistics",
            "logistics",
        ]
    );
    assert!(common_words().len() >= 50, "the shared word list loads");
    assert_eq!(inputs.len(), 10 + common_words().len());
}

#[test]
fn the_error_says_why() {
    let err = check_password_policy("zhangwei1988", &PasswordContext::default()).unwrap_err();
    assert_eq!(
        err,
        PasswordError::Guessable {
            warning: Some("userInputs")
        }
    );
    assert!(
        err.to_string()
            .contains("your name, e-mail, company or a very common word")
    );
    let err = check_password_policy("aaaaaaaaaaaaaaa", &PasswordContext::default()).unwrap_err();
    assert!(err.to_string().contains("repeats like \"aaa\""), "{err}");
    assert_eq!(
        check_password_policy("short", &PasswordContext::default()),
        Err(PasswordError::TooShort)
    );
    assert_eq!(
        check_password_policy(&"x1".repeat(200), &PasswordContext::default()),
        Err(PasswordError::TooLong)
    );
}
