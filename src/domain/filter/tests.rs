use chrono::TimeDelta;

use super::parse::{DATE_HINT, KEY_HINT};
use super::*;
use crate::domain::row::ReferralRow;
use crate::domain::time::parse_datetime;

fn now() -> DateTime<Utc> {
    parse_datetime("2026-06-15T12:00:00Z").unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    parse_datetime(s).unwrap()
}

fn ok(input: &str) -> Filter {
    let parsed = parse(input, now());
    assert!(parsed.errors.is_empty(), "{input}: {:?}", parsed.errors);
    parsed.filter
}

fn error(input: &str) -> FilterError {
    let parsed = parse(input, now());
    assert_eq!(parsed.errors.len(), 1, "{input}: {:?}", parsed.errors);
    parsed.errors[0].clone()
}

fn reason(input: &str) -> String {
    error(input).reason
}

fn row() -> ReferralRow {
    ReferralRow {
        id: "r1".into(),
        name: "Contoso supply chain".into(),
        customer: "Contoso Ltd".into(),
        status: Status::New,
        substatus: Substatus::Pending,
        referral_type: Some(ReferralType::Shared),
        direction: Some(Direction::Incoming),
        qualification: Some(Qualification::SalesQualified),
        sales_stage: Some(SalesStage::Develop),
        registration_status: Some(RegistrationStatus::Approved),
        deal_value: Some(60_000.0),
        currency: "USD".into(),
        country: "US".into(),
        closing: Some(at("2026-12-31T10:00:00Z")),
        created: Some(at("2026-01-10T00:00:00Z")),
        updated: Some(at("2026-06-10T00:00:00Z")),
        favorite: true,
        search_text: "wants a demo of the warehouse module\nAnn Lee\nann@contoso.com".into(),
        marketo: MarketoBadge::Missing,
        ..ReferralRow::default()
    }
}

fn keeps(input: &str, row: &ReferralRow) -> bool {
    ok(input).matches_row(row, &mut Matcher::default())
}

fn odata(input: &str) -> Option<String> {
    ok(input).to_odata()
}

#[test]
fn every_exact_token_matches_its_field() {
    let r = row();
    for input in [
        "status:new",
        "sub:pending",
        "type:shared",
        "dir:incoming",
        "qual:sales",
        "stage:develop",
        "reg:approved",
        "mkto:missing",
        "cur:usd",
        "country:us",
        "value>50000",
        "value<=1e6",
        "close<2027-01-01",
        "updated>7d",
        "created<2026-02-01",
        "fav",
    ] {
        assert!(keeps(input, &r), "{input} should keep the row");
    }
    for input in [
        "status:active",
        "sub:won",
        "type:independent",
        "dir:outgoing",
        "qual:mark",
        "stage:propose",
        "reg:failed",
        "mkto:synced",
        "cur:eur",
        "country:de",
        "value>60000",
        "value<1e3",
        "close<2026-12-31",
        "updated>2d",
        "created>2026-02-01",
        "-fav",
    ] {
        assert!(!keeps(input, &r), "{input} should drop the row");
    }
}

#[test]
fn keys_and_values_ignore_case_and_take_aliases() {
    let r = row();
    for input in [
        "STATUS:NEW",
        "Substatus:Pending",
        "direction:IN",
        "qualification:salesqualified",
        "salesstage:dev",
        "registration:appr",
        "marketo:miss",
        "currency:Usd",
        "closing>=2026-12-31",
        "favorite",
        "status=new",
        "value=60k",
        "value:60000",
    ] {
        assert!(keeps(input, &r), "{input}");
    }
}

#[test]
fn enum_values_resolve_by_unique_prefix_then_substring() {
    let one = |input: &str| match &ok(input).terms[0].cond {
        Cond::OneOf { values, .. } => values.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(one("qual:sales"), ["SalesQualified"]);
    assert_eq!(one("qual:mark"), ["MarketingQualified"]);
    assert_eq!(one("qual:none"), ["None"]);
    assert_eq!(one("sub:pend"), ["Pending"]);
    assert_eq!(one("sub:clin"), ["Declined"]);
    assert_eq!(one("reg:action"), ["ActionRequired"]);
    assert_eq!(one("status:n"), ["New"]);
    assert_eq!(one("mkto:part"), ["partial"]);
    assert_eq!(one("status:new,active"), ["New", "Active"]);
    assert_eq!(one("status:new,,new,"), ["New"]);
}

#[test]
fn comma_lists_are_or() {
    let mut r = row();
    assert!(keeps("status:active,new", &r));
    r.status = Status::Closed;
    assert!(!keeps("status:active,new", &r));
    assert!(keeps("-status:active,new", &r));
    assert!(keeps("cur:eur,usd", &r));
}

#[test]
fn error_messages_name_the_fix() {
    assert_eq!(
        reason("status:neww"),
        "`status:neww`: unknown status `neww`; use new, active, closed"
    );
    assert_eq!(
        reason("qual:qualified"),
        "`qual:qualified`: `qualified` could be any qualification of marketingqualified, salesqualified; type more of it"
    );
    assert_eq!(
        reason("sub:ed"),
        "`sub:ed`: `ed` could be any substatus of received, accepted, declined, expired; type more of it"
    );
    assert_eq!(
        reason("stauts:new"),
        format!(
            "`stauts:new`: unknown filter key `stauts`; use one of {KEY_HINT}, or put the text in quotes to search it"
        )
    );
    assert_eq!(
        reason("status>new"),
        "`status>new`: status is matched with `:`; write status:new"
    );
    assert_eq!(
        reason("type:"),
        "`type:`: give a type after the colon; use independent, shared"
    );
    assert_eq!(
        reason("dir:sideways"),
        "`dir:sideways`: unknown direction `sideways`; use incoming, outgoing"
    );
    assert_eq!(
        reason("stage:x"),
        "`stage:x`: unknown sales stage `x`; use qualify, develop, propose, close"
    );
    assert_eq!(
        reason("reg:zz"),
        "`reg:zz`: unknown registration status `zz`; use none, reviewpending, actionrequired, passed, failed, approved"
    );
    assert_eq!(
        reason("mkto:gone"),
        "`mkto:gone`: unknown Marketo badge `gone`; use unknown, synced, partial, missing"
    );
    assert_eq!(
        reason("cur:us"),
        "`cur:us`: unknown currency `us`; write an ISO 4217 code such as usd, eur or gbp"
    );
    assert_eq!(
        reason("country:usa"),
        "`country:usa`: unknown country `usa`; write an ISO 3166 two-letter code such as us, gb or de"
    );
    assert_eq!(
        reason("fav:yes"),
        "`fav:yes`: `fav` takes no value; write fav for favourites, -fav for the others"
    );
    assert_eq!(
        reason("value>"),
        "`value>`: give an amount after `>`, e.g. value>50000, value>=50k or value<=1.5m:eur"
    );
    assert_eq!(
        reason("value>lots"),
        "`value>lots`: `lots` is not an amount; write digits with an optional k or m, e.g. 50000, 50k, 1.5m"
    );
    assert_eq!(
        reason("close<"),
        format!("`close<`: give a date after `close<`; {DATE_HINT}")
    );
    assert_eq!(
        reason("close<soon"),
        format!("`close<soon`: `soon` is not a date; {DATE_HINT}")
    );
    assert_eq!(
        reason("updated:7d"),
        "`updated:7d`: a relative date is compared with > or <, e.g. updated>7d (within the last 7 days) or updated<+30d"
    );
    assert_eq!(
        reason("updated>99999999999999y"),
        "`updated>99999999999999y`: `99999999999999y` is too far from today; use a smaller amount"
    );
    for bad in [
        "value>inf",
        "value>nan",
        "value>1e999",
        "value>k",
        "value>--5",
    ] {
        assert!(reason(bad).contains("is not an amount"), "{bad}");
    }
}

#[test]
fn errors_carry_the_token_span_and_keep_the_good_part() {
    let input = "contoso  -status:neww value>5";
    let parsed = parse(input, now());
    assert_eq!(parsed.errors.len(), 1);
    let e = &parsed.errors[0];
    assert_eq!(e.span, 9..21);
    assert_eq!(&input[e.span.clone()], "-status:neww");
    assert_eq!(e.token, "-status:neww");
    assert_eq!(e.to_string(), e.reason);
    assert_eq!(parsed.filter.words.len(), 1);
    assert_eq!(parsed.filter.terms.len(), 1);
    assert!(!parsed.is_ok());
}

#[test]
fn negation_inverts_any_token() {
    let mut r = row();
    assert!(!keeps("-status:new", &r));
    assert!(keeps("-status:closed", &r));
    assert!(!keeps("-value>50000", &r));
    r.deal_value = None;
    // A missing value fails the comparison, so its negation keeps the row.
    assert!(!keeps("value>5", &r));
    assert!(keeps("-value>5", &r));
    r.favorite = false;
    assert!(keeps("-fav", &r));
    assert!(keeps("-type:independent", &r));
    r.referral_type = None;
    assert!(!keeps("type:shared", &r));
    assert!(keeps("-type:shared", &r));
}

#[test]
fn amounts_take_suffixes_separators_and_exponents() {
    let value = |input: &str| match ok(input).terms[0].cond {
        Cond::Value(i) => i,
        ref other => panic!("{other:?}"),
    };
    let lo = |input: &str| value(input).lo.unwrap().at;
    assert_eq!(lo("value>50k"), 50_000.0);
    assert_eq!(lo("value>1.5M"), 1_500_000.0);
    assert_eq!(lo("value>100_000"), 100_000.0);
    assert_eq!(lo("value>50,000"), 50_000.0);
    assert_eq!(lo("value>=1e6"), 1_000_000.0);
    assert_eq!(lo("value>.5"), 0.5);
    assert!(value("value>=5").lo.unwrap().inclusive);
    assert!(!value("value>5").lo.unwrap().inclusive);
    let eq = value("value=5");
    assert_eq!(eq.lo, eq.hi);
}

#[test]
fn dates_absolute_are_whole_days_and_timestamps_are_instants() {
    let mut r = row();
    r.closing = Some(at("2026-12-31T10:00:00Z"));
    assert!(!keeps("close<2026-12-31", &r));
    assert!(keeps("close<=2026-12-31", &r));
    assert!(keeps("close=2026-12-31", &r));
    assert!(keeps("close:2026-12-31", &r));
    assert!(keeps("close>=2026-12-31", &r));
    assert!(!keeps("close>2026-12-31", &r));
    assert!(keeps("close>2026-12-30", &r));
    assert!(keeps("close<2026-12-31T10:00:01Z", &r));
    assert!(!keeps("close<2026-12-31T10:00:00Z", &r));
    assert!(keeps("close<=2026-12-31T11:00:00+01:00", &r));
    assert!(keeps("close=2026-12-31T10:00:00Z", &r));
}

#[test]
fn relative_dates_count_back_from_now_and_plus_counts_ahead() {
    let lo = |input: &str| match &ok(input).terms[0].cond {
        Cond::Date { interval, .. } => interval.lo.unwrap().at,
        other => panic!("{other:?}"),
    };
    let hi = |input: &str| match &ok(input).terms[0].cond {
        Cond::Date { interval, .. } => interval.hi.unwrap().at,
        other => panic!("{other:?}"),
    };
    assert_eq!(lo("updated>7d"), at("2026-06-08T12:00:00Z"));
    assert_eq!(lo("updated>-7d"), at("2026-06-08T12:00:00Z"));
    assert_eq!(lo("updated>2w"), at("2026-06-01T12:00:00Z"));
    assert_eq!(lo("updated>12h"), at("2026-06-15T00:00:00Z"));
    assert_eq!(lo("updated>3m"), at("2026-03-17T12:00:00Z"));
    assert_eq!(lo("updated>1y"), at("2025-06-15T12:00:00Z"));
    assert_eq!(lo("created>=7D"), at("2026-06-08T12:00:00Z"));
    assert_eq!(hi("close<+30d"), at("2026-07-15T12:00:00Z"));
    assert_eq!(hi("close<today"), at("2026-06-15T00:00:00Z"));
    assert_eq!(hi("close<=today"), at("2026-06-16T00:00:00Z"));
    assert_eq!(hi("close<yesterday"), at("2026-06-14T00:00:00Z"));
    assert_eq!(lo("close>tomorrow"), at("2026-06-17T00:00:00Z"));

    // `now` is truncated to whole seconds.
    let precise = now() + TimeDelta::milliseconds(750);
    let f = parse("updated>7d", precise).filter;
    assert_eq!(f, ok("updated>7d"));

    let mut r = row();
    r.updated = Some(at("2026-06-10T00:00:00Z"));
    assert!(keeps("updated>7d", &r));
    assert!(!keeps("updated<7d", &r));
    r.closing = Some(at("2026-07-01T00:00:00Z"));
    assert!(keeps("close<+30d", &r));
    assert!(!keeps("close>+30d", &r));
}

#[test]
fn free_words_are_fuzzy_and_all_must_match() {
    let r = row();
    assert!(keeps("contoso", &r));
    assert!(keeps("CONTOSO", &r));
    assert!(keeps("cntso", &r));
    assert!(keeps("sply chn", &r));
    assert!(keeps("ltd", &r));
    assert!(keeps("warehouse", &r));
    assert!(keeps("ann@contoso", &r));
    assert!(!keeps("contoso fabrikam", &r));
    assert!(!keeps("zzz", &r));
    // Letters are not gathered across fields.
    assert!(!keeps("ltdwants", &r));
    assert!(!keeps("ltdsupply", &r));
}

#[test]
fn notes_and_contacts_match_as_substrings() {
    let r = row();
    assert!(keeps("ann", &r));
    assert!(keeps("Lee", &r));
    assert!(keeps("contoso.com", &r));
    assert!(keeps("demo", &r));
    // Not fuzzy there: the letters must be together.
    assert!(!keeps("annlee", &r));
    assert!(!keeps("wrhouse", &r));
    let mut m = Matcher::default();
    // A word found only there ranks below one found in the name.
    let in_name = ok("supply").score_row(&r, &mut m).unwrap();
    let in_notes = ok("warehouse").score_row(&r, &mut m).unwrap();
    assert!(in_notes < in_name, "{in_notes} {in_name}");
}

#[test]
fn phrases_are_literal_substrings() {
    let r = row();
    assert!(keeps("\"supply chain\"", &r));
    assert!(keeps("\"SUPPLY CH\"", &r));
    assert!(!keeps("\"supply  chain\"", &r));
    assert!(!keeps("\"sply chn\"", &r));
    // An unclosed quote runs to the end.
    assert!(keeps("\"supply ch", &r));
    assert!(ok("\"supply ch").words[0].kind == WordKind::Phrase);
    // An empty phrase or a lone `-` says nothing.
    assert!(ok("\"\" - -\"\"").is_empty());
}

#[test]
fn negated_words_exclude_by_substring() {
    let r = row();
    assert!(!keeps("-contoso", &r));
    assert!(!keeps("-\"supply chain\"", &r));
    assert!(!keeps("-ann", &r));
    // Not fuzzy: scattered letters do not exclude.
    assert!(keeps("-cntso", &r));
    assert!(keeps("contoso -fabrikam", &r));
}

#[test]
fn accents_fold_unless_the_word_has_them() {
    let mut r = row();
    r.customer = "Société Générale".into();
    assert!(keeps("societe", &r));
    assert!(keeps("société", &r));
    assert!(keeps("SOCIÉTÉ", &r));
    r.customer = "Societe".into();
    assert!(!keeps("société", &r));
}

#[test]
fn words_that_look_like_tokens() {
    // Not a key (digits, empty, or no letters before the operator): a free word.
    for input in ["10:30", ":", "a1:b", "<", ">=5", "=", "value", "status"] {
        let f = ok(input);
        assert_eq!(f.words.len(), 1, "{input}");
        assert!(f.terms.is_empty(), "{input}");
    }
    // Quoted, it is searched literally.
    assert_eq!(ok("\"https://x\"").words[0].text, "https://x");
    assert_eq!(ok("\"fav\"").words[0].text, "fav");
    assert!(reason("https://x").contains("unknown filter key `https`"));
}

#[test]
fn only_documented_filters_go_to_the_server() {
    // The service documents `$filter` on engagementId, status, substatus, updatedDateTime and
    // email, with `eq` and `and`; everything else stays local.
    let cases = [
        ("status:new", "status eq 'New'"),
        ("sub:pending", "substatus eq 'Pending'"),
        (
            "sub:won status:closed",
            "substatus eq 'Won' and status eq 'Closed'",
        ),
        (
            "status:new contoso value>10000 mkto:missing -\"x\" sub:received",
            "status eq 'New' and substatus eq 'Received'",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(odata(input).as_deref(), Some(expected), "{input}");
    }
    for local in [
        "type:shared",
        "dir:incoming",
        "qual:sales",
        "stage:develop",
        "reg:approved",
        "value>50000",
        "value=7",
        "cur:usd",
        "country:us",
        "close<2026-12-31",
        "close=2026-12-31",
        "updated>7d",
        "created<2026-01-01T08:30:00Z",
        "fav",
        "-fav",
        "-status:closed",
        "status:new,active",
        "contoso mkto:missing -fabrikam",
        "",
    ] {
        assert_eq!(odata(local), None, "{local}");
    }
}

#[test]
fn odata_string_literals_double_quotes() {
    assert_eq!(odata_string_literal("O'Brien"), "'O''Brien'");
    assert_eq!(odata_string_literal(""), "''");
    assert_eq!(odata_string_literal("''"), "''''''");
}

#[test]
fn highlight_gives_char_indices_of_positive_words() {
    let f = ok("sply -contoso");
    let mut m = Matcher::default();
    assert_eq!(
        f.highlight("Contoso supply chain", &mut m),
        vec![8, 11, 12, 13]
    );
    assert!(f.highlight("Fabrikam", &mut m).is_empty());
    let f = ok("société");
    assert_eq!(
        f.highlight("Grande Société", &mut m),
        vec![7, 8, 9, 10, 11, 12, 13]
    );
    let f = ok("\"ly ch\" con");
    assert_eq!(
        f.highlight("Contoso supply chain", &mut m),
        vec![0, 1, 2, 12, 13, 14, 15, 16]
    );
    assert!(ok("status:new").highlight("anything", &mut m).is_empty());
}

#[test]
fn byte_ranges_merge_adjacent_chars() {
    assert_eq!(
        byte_ranges("Contoso supply", &[0, 1, 2, 8]),
        vec![0..3, 8..9]
    );
    assert_eq!(byte_ranges("Société", &[3, 4, 5]), vec![3..7]);
    assert_eq!(byte_ranges("ab", &[1, 1, 5]), vec![1..2]);
    assert!(byte_ranges("", &[0]).is_empty());
    let f = ok("sply");
    let text = "Contoso supply chain";
    let spans = byte_ranges(text, &f.highlight(text, &mut Matcher::default()));
    let lit: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
    assert_eq!(lit, ["s", "ply"]);
}

#[test]
fn score_prefers_better_matches() {
    let f = ok("supply");
    let mut m = Matcher::default();
    let mut tight = row();
    tight.name = "Supply deal".into();
    let mut loose = row();
    loose.name = "Sales up play by ladder".into();
    loose.customer = String::new();
    loose.search_text = String::new();
    let (a, b) = (f.score_row(&tight, &mut m), f.score_row(&loose, &mut m));
    assert!(a.unwrap() > b.unwrap(), "{a:?} {b:?}");
    assert_eq!(ok("status:new").score_row(&tight, &mut m), Some(0));
}

#[test]
fn refinement_is_detected_for_typing_and_added_tokens() {
    let refines = |new: &str, old: &str| ok(new).refines(&ok(old));
    assert!(refines("co", "c"));
    assert!(refines("contoso", "ntos"));
    assert!(refines("contoso status:new", "contoso"));
    assert!(refines("status:new contoso", "contoso"));
    assert!(refines("\"supply c\"", "\"supply \""));
    assert!(refines("\"supply\"", "upp"));
    assert!(refines("value>60000", "value>50000"));
    assert!(!refines("value>=50000", "value>50000"));
    assert!(refines("value>50000", "value>=50000"));
    assert!(refines("status:new", "status:new,active"));
    assert!(refines("-status:new,active", "-status:new"));
    assert!(refines("contoso -x", "contoso"));
    assert!(refines("-ab", "-abc"));
    assert!(refines("anything", ""));
    assert!(refines("same words", "same words"));

    assert!(!refines("c", "co"));
    assert!(!refines("cx", "co"));
    assert!(!refines("spl", "\"supply\""));
    // Notes match as substrings: `chain` may be in the notes where `ca` is not.
    assert!(!refines("chain", "ca"));
    assert!(!refines("contoso", "cnso"));
    assert!(!refines("-abc", "-ab"));
    assert!(!refines("status:active", "status:new"));
    assert!(!refines("-status:new", "-status:new,active"));
    assert!(!refines("value>40000", "value>50000"));
    assert!(!refines("", "x"));
    assert!(!refines("-x", "x"));
    assert!(!refines("updated>8d", "updated>7d"));
    assert!(refines("updated>6d", "updated>7d"));
}

#[test]
fn spans_are_byte_ranges_even_after_unicode() {
    let input = "héllo  wörld status:nope";
    let e = error(input);
    assert_eq!(&input[e.span.clone()], "status:nope");
    let f = parse(input, now()).filter;
    assert_eq!(&input[f.words[1].span.clone()], "wörld");
}

#[test]
fn odd_inputs_do_not_panic() {
    for input in [
        "",
        " ",
        "-",
        "--",
        "---x",
        "\"",
        "\"\"\"",
        "-\"",
        ":",
        "::",
        "a:",
        "value",
        "value>>5",
        "value=>5",
        "close<<today",
        "é:x",
        "ü<5",
        "status:é",
        "cur:€",
        "value>٣",
        "updated>5ü",
        "updated>+",
        "updated>-",
        "updated>d",
        "updated>5",
        "close<9999999-01-01",
        "close<+999999999999999999999d",
        "\u{0}",
        "status:,",
        "\u{200b}",
    ] {
        let _ = parse(input, now());
    }
}

#[test]
fn values_compare_in_the_reporting_currency() {
    let mut r = row();
    r.deal_value = Some(68_000.0);
    r.currency = "SEK".into();
    assert!(!keeps("value>50k", &r), "68k SEK is about 6.5k USD");
    assert!(keeps("value<10k", &r));
    r.currency = "EUR".into();
    assert!(keeps("value>50k", &r), "68k EUR is more than 50k USD");
    assert!(keeps("value>60k:eur", &r));
    assert!(!keeps("value>70k:eur", &r));
    assert!(keeps("value>=68k:EUR", &r));
    r.currency = "XYZ".into();
    assert!(!keeps("value>5", &r), "no rate: not comparable");
    assert!(!keeps("value<1e12", &r));
    assert!(
        reason("value>5k:abc").contains("no rate for `abc`"),
        "{}",
        reason("value>5k:abc")
    );
    assert_eq!(odata("value>50k status:new"), odata("status:new"));
}

#[test]
fn expires_counts_forward_because_it_is_a_deadline() {
    let mut r = row();
    let due = |hours: i64| Some(now() + TimeDelta::hours(hours));
    r.expires = due(30);
    assert!(keeps("expires<48h", &r), "30 h left is within 48 h");
    assert!(keeps("expires<+48h", &r), "+ says the same");
    assert!(keeps("expires<+3d", &r));
    assert!(!keeps("expires<24h", &r));
    assert!(keeps("expiry>24h", &r), "alias");
    r.expires = due(-2);
    assert!(
        keeps("expires<48h", &r),
        "past its deadline: the most urgent"
    );
    assert!(keeps("expires<-1h", &r), "- is ago");
    r.expires = None;
    assert!(
        !keeps("expires<48h", &r),
        "no deadline matches no comparison"
    );
    assert!(keeps("-expires<48h", &r));
    // Other date fields still count back.
    r.updated = due(-30);
    assert!(keeps("updated>48h", &r));
}

#[test]
fn quarter_is_the_current_calendar_quarter() {
    // now() is 2026-06-15: the quarter is April to June.
    let mut r = row();
    r.closed = Some(at("2026-04-01T00:00:00Z"));
    assert!(keeps("closed:quarter", &r));
    assert!(keeps("closed>=quarter", &r));
    assert!(!keeps("closed<quarter", &r));
    r.closed = Some(at("2026-03-31T23:59:59Z"));
    assert!(!keeps("closed:quarter", &r));
    assert!(keeps("closed<quarter", &r));
    r.closed = Some(at("2026-07-01T00:00:00Z"));
    assert!(!keeps("closed:quarter", &r));
    assert!(keeps("sub:won closed:quarter", &{
        let mut w = row();
        w.substatus = Substatus::Won;
        w.closed = Some(at("2026-05-20T10:00:00Z"));
        w
    }));
}
