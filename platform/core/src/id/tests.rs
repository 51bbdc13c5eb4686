use super::*;

#[test]
fn ids_round_trip_through_text_and_json() {
    let id = TenantId::new();
    let text = id.to_string();
    assert!(text.starts_with("ten_"));
    assert_eq!(text.parse::<TenantId>(), Ok(id));
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(serde_json::from_str::<TenantId>(&json).unwrap(), id);
}

#[test]
fn ids_of_another_type_are_rejected() {
    let user = UserId::new().to_string();
    assert_eq!(
        user.parse::<TenantId>(),
        Err(IdError::WrongPrefix { expected: "ten" })
    );
    assert!(matches!(
        "ten_nope".parse::<TenantId>(),
        Err(IdError::BadUlid(_))
    ));
    assert!(matches!(
        format!("ten_{}", "x".repeat(10_000)).parse::<TenantId>(),
        Err(IdError::BadUlid(s)) if s.len() == 40
    ));
    assert!("".parse::<UserId>().is_err());
}

#[test]
fn voicemail_ids_have_their_own_prefix() {
    let vm = VoicemailId::new();
    assert!(vm.to_string().starts_with("vm_"));
    assert_eq!(vm.to_string().parse::<VoicemailId>(), Ok(vm));
    let call = CallId::new().to_string();
    assert_eq!(
        call.parse::<VoicemailId>(),
        Err(IdError::WrongPrefix { expected: "vm" })
    );
}
