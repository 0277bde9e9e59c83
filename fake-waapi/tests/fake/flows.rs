//! Action checks (422, 403, not ready, chatId) and the stateful flows across actions.

use fake_waapi::{Config, Envelopes, NotReady};
use serde_json::{json, Value};

use crate::actions::{path, CHAT, GROUP, MESSAGE};
use crate::support::{instant, Fake, Reply, ADMIN, VIEWER};

async fn act(fake: &Fake, action: &str, body: Value) -> Reply {
    fake.post(&path(action), ADMIN, Some(&body.to_string()))
        .await
}

/// The inner payload of a successful live answer.
async fn payload(fake: &Fake, action: &str, body: Value) -> Value {
    let reply = act(fake, action, body).await;
    assert_eq!(reply.status, 200, "{action}: {}", reply.text);
    let json = reply.json();
    assert_eq!(json["status"], "success", "{action}: {json}");
    assert_eq!(json["data"]["status"], "success", "{action}: {json}");
    json["data"]["data"].clone()
}

/// The message of a live in-band error.
async fn inner_error(fake: &Fake, action: &str, body: Value) -> String {
    let reply = act(fake, action, body).await;
    assert_eq!(reply.status, 200, "{action}: {}", reply.text);
    let json = reply.json();
    assert_eq!(json["status"], "success", "{action}: {json}");
    assert_eq!(json["data"]["status"], "error", "{action}: {json}");
    assert_eq!(json["data"]["instanceId"], "1");
    json["data"]["message"].as_str().unwrap().to_owned()
}

fn invalid(errors: Value) -> Value {
    json!({"message": "The given data was invalid.", "errors": errors, "status": "error"})
}

#[tokio::test]
async fn bodies_are_checked_against_the_catalogue() {
    let fake = Fake::start(instant()).await;
    let cases = [
        (
            "create-group",
            json!({}),
            json!({"groupName": ["The group name field is required."],
                   "groupParticipants": ["The group participants field is required."]}),
        ),
        (
            "get-label-by-id",
            json!({"labelId": "one"}),
            json!({"labelId": ["The label id field must be an integer."]}),
        ),
        (
            "send-location",
            json!({"chatId": CHAT, "latitude": "52.5", "longitude": null}),
            json!({"latitude": ["The latitude field must be a number."],
                   "longitude": ["The longitude field is required."]}),
        ),
        (
            "update-group-settings",
            json!({"chatId": GROUP, "messageAdminOnly": "yes"}),
            json!({"messageAdminOnly": ["The message admin only field must be true or false."]}),
        ),
        (
            "accept-group-member-requests",
            json!({"chatId": GROUP, "requesterIds": 5}),
            json!({"requesterIds": ["The requester ids field must be a string or an array of strings."]}),
        ),
        (
            "send-vcard",
            json!({"chatId": CHAT, "vCard": "BEGIN:VCARD"}),
            json!({"vCard": ["The v card field must be an array."]}),
        ),
        (
            "send-event",
            json!({"chatId": CHAT, "name": "x", "startTime": true}),
            json!({"startTime": ["The start time field must be an integer or a string."]}),
        ),
    ];
    for (action, body, errors) in cases {
        let reply = act(&fake, action, body).await;
        assert_eq!(reply.status, 422, "{action}: {}", reply.text);
        assert_eq!(reply.json(), invalid(errors), "{action}");
    }
    let reply = fake.post(&path("get-chats"), ADMIN, Some("[1]")).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json(),
        invalid(json!({"body": ["The request body must be a JSON object."]}))
    );
    // Accepted shapes: requesterIds as a string, an array or null; startTime as a string;
    // unknown keys ignored; an empty body is `{}`.
    for requester_ids in [json!("4915187654323@c.us"), json!([]), Value::Null] {
        let body = json!({"chatId": GROUP, "requesterIds": requester_ids});
        assert_eq!(
            act(&fake, "deny-group-member-requests", body).await.status,
            200
        );
    }
    let event = json!({"chatId": CHAT, "name": "x", "startTime": "2026-02-01T10:00:00Z", "foo": 1});
    assert_eq!(act(&fake, "send-event", event).await.status, 200);
    assert_eq!(fake.post(&path("get-chats"), ADMIN, None).await.status, 200);
    // Both spellings of the vCard number.
    for key in ["internationalnumber", "iternationalnumber"] {
        let card = json!({"chatId": CHAT, "vCard": {"firstname": "Max", key: "+49 151 1"}});
        let data = payload(&fake, "send-vcard", card).await;
        let vcard = data["sendVcard"]["_data"]["body"].as_str().unwrap();
        assert!(vcard.contains(":+49 151 1\n"), "{vcard}");
    }
}

#[tokio::test]
async fn read_only_actions_need_read_and_the_rest_update() {
    let fake = Fake::start(instant()).await;
    let reply = fake
        .post(
            &path("archive-chat"),
            VIEWER,
            Some(&json!({"chatId": CHAT}).to_string()),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json(),
        json!({"status": "error", "message": "This token lacks the update permission."})
    );
    for action in [
        "get-chats",
        "fetch-messages",
        "search-messages",
        "is-registered-user",
    ] {
        let body = json!({"chatId": CHAT, "query": "seed", "contactId": CHAT});
        let reply = fake
            .post(&path(action), VIEWER, Some(&body.to_string()))
            .await;
        assert_eq!(reply.status, 200, "{action}: {}", reply.text);
    }
    let mut only_update = instant();
    only_update
        .tokens
        .insert("writer".to_owned(), "update".parse().unwrap());
    let fake = Fake::start(only_update).await;
    let reply = fake.post(&path("get-chats"), Some("writer"), None).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json()["message"],
        "This token lacks the read permission."
    );
    // An unknown action is a 404 before anything else, even without a token.
    let reply = fake.post(&path("teleport"), None, None).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["message"], "Unknown action teleport.");
}

#[tokio::test]
async fn not_ready_is_an_in_band_error_or_a_409() {
    let expected =
        json!({"status": "error", "message": "Instance is not ready.", "instanceId": "2"});
    for (not_ready, status) in [(NotReady::Ok, 200), (NotReady::Conflict, 409)] {
        let fake = Fake::start(Config {
            not_ready,
            ..instant()
        })
        .await;
        for action in ["get-chats", "archive-chat", "request-pairing-code"] {
            let body = json!({"chatId": CHAT, "phoneNumber": "4915112345678"});
            let reply = fake
                .post(
                    &format!("/api/v1/instances/2/client/action/{action}"),
                    ADMIN,
                    Some(&body.to_string()),
                )
                .await;
            assert_eq!(reply.status, status, "{action}");
            assert_eq!(reply.json(), expected, "{action}");
        }
        let me = fake.get("/api/v1/instances/2/client/me", VIEWER).await;
        assert_eq!(me.status, status);
        // The body is still checked first, and reboot works in any state.
        let reply = fake
            .post(
                "/api/v1/instances/2/client/action/archive-chat",
                ADMIN,
                None,
            )
            .await;
        assert_eq!(reply.status, 422);
        let reply = fake
            .post("/api/v1/instances/3/client/action/reboot", ADMIN, None)
            .await;
        assert_eq!(reply.status, 200);
    }
}

#[tokio::test]
async fn a_chat_id_without_domain_is_an_inner_error_for_every_action_taking_one() {
    let fake = Fake::start(instant()).await;
    for action in [
        "archive-chat",
        "fetch-messages",
        "get-group-info",
        "add-customer-note",
    ] {
        let body = json!({"chatId": "4915112345678", "note": "x"});
        let reply = act(&fake, action, body).await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({"status": "success", "links": {"self": fake.url(&path(action))}, "data": {
                "status": "error", "message": "incorrect chatId format.",
                "explanation": "\"4915112345678\" is missing a domain, expected <id>@c.us.",
                "instanceId": "1",
            }}),
            "{action}"
        );
    }
    // Other domains are fine.
    for chat_id in [
        "12345@lid",
        "status@broadcast",
        "120363000000000002@newsletter",
    ] {
        payload(&fake, "send-seen", json!({"chatId": chat_id})).await;
    }
    // Spec mode: flat for E6 actions, nested for the others.
    let spec = Fake::start(Config {
        envelopes: Envelopes::Spec,
        ..instant()
    })
    .await;
    let flat = act(&spec, "fetch-messages", json!({"chatId": "x"}))
        .await
        .json();
    assert_eq!(flat["status"], "error");
    assert_eq!(flat["message"], "incorrect chatId format.");
    let nested = act(&spec, "archive-chat", json!({"chatId": "x"}))
        .await
        .json();
    assert_eq!(nested["status"], "success");
    assert_eq!(nested["data"]["message"], "incorrect chatId format.");
}

#[tokio::test]
async fn a_sent_message_shows_up_in_fetch_messages_get_chats_and_by_id() {
    let fake = Fake::start(instant()).await;
    let new_chat = "4917600000001@c.us";
    let sent = payload(
        &fake,
        "send-message",
        json!({"chatId": new_chat, "message": "Moin"}),
    )
    .await;
    let id = sent["_data"]["id"]["_serialized"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("true_4917600000001@c.us_3EB0"), "{id}");

    let fetched = payload(&fake, "fetch-messages", json!({"chatId": new_chat})).await;
    assert_eq!(fetched.as_array().unwrap().len(), 1);
    assert_eq!(fetched[0]["message"]["id"]["_serialized"], id);
    assert_eq!(fetched[0]["message"]["body"], "Moin");
    assert_eq!(fetched[0]["media"], Value::Null);

    // The seeded chat: oldest first, `limit` keeps the newest.
    payload(
        &fake,
        "send-message",
        json!({"chatId": CHAT, "message": "Third"}),
    )
    .await;
    let seeded = payload(&fake, "fetch-messages", json!({"chatId": CHAT})).await;
    let bodies: Vec<&str> = seeded
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"]["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Hello from the seed", "Lunch?", "Third"]);
    let last = payload(&fake, "fetch-messages", json!({"chatId": CHAT, "limit": 1})).await;
    assert_eq!(last[0]["message"]["body"], "Third");
    let inbound = payload(
        &fake,
        "fetch-messages",
        json!({"chatId": CHAT, "fromMe": false}),
    )
    .await;
    assert_eq!(inbound.as_array().unwrap().len(), 1);
    assert_eq!(inbound[0]["message"]["id"]["_serialized"], MESSAGE);

    let chats = payload(&fake, "get-chats", json!({})).await;
    let chat = chats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"]["_serialized"] == new_chat)
        .expect("the new chat is listed");
    assert_eq!(chat["lastMessage"]["id"]["_serialized"], id);
    assert_eq!(chat["lastMessage"]["body"], "Moin");

    let found = payload(&fake, "get-message-by-id", json!({"messageId": id})).await;
    assert_eq!(found["message"]["body"], "Moin");
    let hits = payload(&fake, "search-messages", json!({"query": "moin"})).await;
    assert_eq!(hits["messages"][0]["id"]["_serialized"], id);

    payload(
        &fake,
        "edit-message",
        json!({"messageId": id, "message": "Moin moin"}),
    )
    .await;
    payload(&fake, "star-message", json!({"messageId": id})).await;
    payload(
        &fake,
        "react-to-message",
        json!({"messageId": id, "reaction": "👍"}),
    )
    .await;
    let found = payload(&fake, "get-message-by-id", json!({"messageId": id})).await;
    assert_eq!(found["message"]["body"], "Moin moin");
    assert_eq!(found["message"]["isStarred"], true);
    assert_eq!(found["message"]["hasReaction"], true);
    let reactions = payload(&fake, "get-reactions", json!({"messageId": id})).await;
    assert_eq!(reactions["reactions"][0]["reaction"], "👍");

    payload(&fake, "delete-message-by-id", json!({"messageId": id})).await;
    assert_eq!(
        inner_error(&fake, "get-message-by-id", json!({"messageId": id})).await,
        "Message not found."
    );
    let fetched = payload(&fake, "fetch-messages", json!({"chatId": new_chat})).await;
    assert_eq!(fetched, json!([]));

    // The control log lists the sends.
    let log = fake.get("/__fake/instances/1/messages", None).await.json();
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[0]["id"], id);
    assert_eq!(log[0]["chatId"], new_chat);
}

#[tokio::test]
async fn contacts_can_be_upserted_deleted_and_blocked() {
    let fake = Fake::start(instant()).await;
    let id = "4917600000002@c.us";
    let upserted = payload(
        &fake,
        "upsert-contact",
        json!({"phoneNumber": "+49 176 00000002", "firstName": "Jan", "lastName": "Jansen"}),
    )
    .await;
    assert_eq!(
        upserted,
        json!({"chatId": {"server": "c.us", "user": "4917600000002", "_serialized": id}})
    );
    let contacts = payload(&fake, "get-contacts", json!({})).await;
    let names: Vec<&str> = contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Jan Jansen"), "{names:?}");
    assert!(names.contains(&"Erika Mustermann"), "{names:?}");
    let contact = payload(&fake, "get-contact-by-id", json!({"contactId": id})).await;
    assert_eq!(contact["isMyContact"], true);

    payload(&fake, "block-contact", json!({"contactId": id})).await;
    let blocked = payload(&fake, "get-blocked-contacts", json!({})).await;
    assert_eq!(blocked.as_array().unwrap().len(), 1);
    assert_eq!(blocked[0]["id"]["_serialized"], id);
    assert_eq!(blocked[0]["isBlocked"], true);
    payload(&fake, "unblock-contact", json!({"contactId": id})).await;
    assert_eq!(
        payload(&fake, "get-blocked-contacts", json!({})).await,
        json!([])
    );

    payload(
        &fake,
        "delete-contact",
        json!({"phoneNumber": "4917600000002"}),
    )
    .await;
    let contact = payload(&fake, "get-contact-by-id", json!({"contactId": id})).await;
    assert_eq!(contact["isMyContact"], false);
    assert_eq!(
        inner_error(
            &fake,
            "delete-contact",
            json!({"phoneNumber": "4917600000002"})
        )
        .await,
        "Contact not found."
    );
}

#[tokio::test]
async fn groups_can_be_created_and_their_members_changed() {
    let fake = Fake::start(instant()).await;
    let created = payload(
        &fake,
        "create-group",
        json!({"groupName": "Team", "groupParticipants": ["4915187654321@c.us"]}),
    )
    .await;
    let gid = created["gid"]["_serialized"].as_str().unwrap().to_owned();
    assert_eq!(created["gid"]["server"], "g.us");
    assert_eq!(
        format!("{}@g.us", created["gid"]["user"].as_str().unwrap()),
        gid
    );
    assert!(gid
        .trim_end_matches("@g.us")
        .chars()
        .all(|c| c.is_ascii_digit()));
    assert_eq!(created["missingParticipants"], json!([]));

    let members = |info: &Value| -> Vec<String> {
        info["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"]["_serialized"].as_str().unwrap().to_owned())
            .collect()
    };
    let info = payload(&fake, "get-group-info", json!({"chatId": gid})).await;
    assert_eq!(info["subject"], "Team");
    assert_eq!(members(&info), ["4915112345678@c.us", "4915187654321@c.us"]);

    let new = "4915187654322@c.us";
    payload(
        &fake,
        "add-group-participant",
        json!({"chatId": gid, "participant": new}),
    )
    .await;
    payload(
        &fake,
        "promote-group-participant",
        json!({"chatId": gid, "participant": new}),
    )
    .await;
    let info = payload(&fake, "get-group-info", json!({"chatId": gid})).await;
    assert!(members(&info).contains(&new.to_owned()));
    assert_eq!(info["participants"][2]["isAdmin"], true);
    payload(
        &fake,
        "remove-group-participant",
        json!({"chatId": gid, "participant": new}),
    )
    .await;
    let participants = payload(&fake, "get-group-participants", json!({"chatId": gid})).await;
    assert!(!members(&participants).contains(&new.to_owned()));

    payload(
        &fake,
        "update-group-info",
        json!({"chatId": gid, "subject": "Team 2", "description": "New"}),
    )
    .await;
    let info = payload(&fake, "get-group-info", json!({"chatId": gid})).await;
    assert_eq!(
        (info["subject"].as_str(), info["description"].as_str()),
        (Some("Team 2"), Some("New"))
    );

    assert_eq!(
        inner_error(
            &fake,
            "get-group-info",
            json!({"chatId": "1203639999@g.us"})
        )
        .await,
        "Group not found."
    );
    // The seeded group and its invite.
    let info = payload(&fake, "get-group-info", json!({"chatId": GROUP})).await;
    assert_eq!(info["subject"], "Fake group");
    assert_eq!(info["inviteCode"], "FAKEINVITE1");
    let invite = payload(&fake, "accept-invite", json!({"inviteCode": "FAKEINVITE1"})).await;
    assert_eq!(invite["groupChatId"], GROUP);
}

#[tokio::test]
async fn labels_and_chat_flags_show_in_later_reads() {
    let fake = Fake::start(instant()).await;
    let labels = payload(&fake, "get-chat-labels", json!({"chatId": CHAT})).await;
    assert_eq!(labels[0]["name"], "New customer");
    payload(
        &fake,
        "change-chat-labels",
        json!({"chatId": CHAT, "labelIds": [2]}),
    )
    .await;
    let labels = payload(&fake, "get-chat-labels", json!({"chatId": CHAT})).await;
    assert_eq!(
        labels,
        json!([{"id": "2", "name": "Paid", "hexColor": "#64c4ff"}])
    );
    assert_eq!(
        payload(&fake, "get-chats-by-label-id", json!({"labelId": 1})).await,
        json!([])
    );
    let paid = payload(&fake, "get-chats-by-label-id", json!({"labelId": 2})).await;
    assert_eq!(paid[0]["id"]["_serialized"], CHAT);
    assert_eq!(
        inner_error(&fake, "get-label-by-id", json!({"labelId": 9})).await,
        "Label not found."
    );

    payload(&fake, "archive-chat", json!({"chatId": CHAT})).await;
    payload(&fake, "mute-chat", json!({"chatId": CHAT})).await;
    let chat = payload(&fake, "get-chat-by-id", json!({"chatId": CHAT})).await;
    assert_eq!(
        (chat["archived"].as_bool(), chat["isMuted"].as_bool()),
        (Some(true), Some(true))
    );
    payload(&fake, "unarchive-chat", json!({"chatId": CHAT})).await;
    payload(&fake, "clear-chat-messages", json!({"chatId": CHAT})).await;
    let chat = payload(&fake, "get-chat-by-id", json!({"chatId": CHAT})).await;
    assert_eq!(chat["archived"], false);
    assert_eq!(chat["lastMessage"], Value::Null);
}

#[tokio::test]
async fn at_most_three_chats_can_be_pinned() {
    let fake = Fake::start(instant()).await;
    for n in 1..=3 {
        let chat = format!("491760000000{n}@c.us");
        payload(&fake, "pin-chat", json!({"chatId": chat})).await;
    }
    assert_eq!(
        inner_error(&fake, "pin-chat", json!({"chatId": CHAT})).await,
        "You can only pin up to 3 chats."
    );
    let chats = payload(&fake, "get-chats", json!({})).await;
    let pinned: Vec<bool> = chats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["pinned"].as_bool().unwrap())
        .collect();
    assert_eq!(&pinned[..4], [true, true, true, false]);
    payload(&fake, "unpin-chat", json!({"chatId": "4917600000001@c.us"})).await;
    payload(&fake, "pin-chat", json!({"chatId": CHAT})).await;
}

#[tokio::test]
async fn pairing_codes_are_limited_to_two_a_minute() {
    let fake = Fake::start(instant()).await;
    let body = json!({"phoneNumber": "4915112345678"});
    for _ in 0..2 {
        let code = payload(&fake, "request-pairing-code", body.clone()).await;
        assert_eq!(code["pairingCode"].as_str().unwrap().len(), 9);
    }
    let reply = act(&fake, "request-pairing-code", body).await;
    assert_eq!(reply.status, 429);
    let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(reply.json()["status"], "error");
}

#[tokio::test]
async fn quick_replies_and_the_state_dump() {
    let fake = Fake::start(instant()).await;
    let created = payload(
        &fake,
        "create-quick-reply",
        json!({"shortcut": "bye", "message": "Goodbye!"}),
    )
    .await;
    let id = created["quickReply"]["id"].as_str().unwrap().to_owned();
    payload(
        &fake,
        "update-quick-reply",
        json!({"id": id, "message": "Bye!"}),
    )
    .await;
    payload(&fake, "delete-quick-reply", json!({"id": "1"})).await;
    let replies = payload(&fake, "get-quick-replies", json!({})).await;
    assert_eq!(replies["quickReplies"].as_array().unwrap().len(), 1);
    assert_eq!(replies["quickReplies"][0]["message"], "Bye!");
    assert_eq!(
        inner_error(&fake, "delete-quick-reply", json!({"id": "1"})).await,
        "Quick reply not found."
    );

    let state = fake.get("/__fake/instances/1/state", None).await.json();
    assert_eq!(state["quickReplies"][0]["shortcut"], "bye");
    let chat = state["chats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"]["_serialized"] == CHAT)
        .unwrap();
    assert_eq!(chat["messages"][0]["id"]["_serialized"], MESSAGE);
    assert_eq!(state["groups"][0]["chatId"]["_serialized"], GROUP);
    assert_eq!(state["labels"].as_array().unwrap().len(), 2);

    // Reset restores the seed.
    fake.post("/__fake/reset", None, None).await;
    let state = fake.get("/__fake/instances/1/state", None).await.json();
    assert_eq!(state["quickReplies"][0]["shortcut"], "hi");
    let empty = fake.get("/__fake/instances/2/state", None).await.json();
    assert_eq!(empty["chats"], json!([]));
    assert_eq!(
        fake.get("/__fake/instances/9/state", None).await.status,
        404
    );
}
