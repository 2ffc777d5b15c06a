//! Revised error handling for the UPDATEs a neighbor sends (RFC 7606),
//! applied by a collector session before an UPDATE leaves the source: each
//! malformed UPDATE is passed on whole, passed on without the attributes
//! RFC 7606 says to discard, turned into withdrawals of all its routes, or
//! the end of the session, whichever is the most severe its errors call
//! for. Nothing here panics on any input.

use wire::attr::{code, flag, AttrContext, Attributes, RawAttribute, RawAttributes};
use wire::bgp::{Update, HEADER_LEN};
use wire::encode;
use wire::{Nlri, Reader};

use super::notify::{code as notify_code, Notify};
use super::open::Negotiated;

/// UPDATE Message Error subcodes (RFC 4271 §4.5).
mod subcode {
    /// The lengths of the UPDATE's parts do not add up.
    pub const MALFORMED_ATTRIBUTE_LIST: u8 = 1;
    /// A well-known attribute the collector does not know.
    pub const UNRECOGNIZED_WELL_KNOWN: u8 = 2;
    /// A malformed optional attribute (here MP_REACH_NLRI, MP_UNREACH_NLRI).
    pub const OPTIONAL_ATTRIBUTE: u8 = 9;
    /// IPv4 NLRI that cannot be read.
    pub const INVALID_NETWORK_FIELD: u8 = 10;
}

/// What to do with one UPDATE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Well formed: pass it on as received.
    Accept,
    /// Attribute discard (RFC 7606 §2): pass on this UPDATE instead, the
    /// received one without its malformed or repeated attributes.
    Discard(Vec<u8>),
    /// Treat-as-withdraw (RFC 7606 §2): pass on these UPDATEs instead,
    /// which withdraw every route the received one announced or withdrew.
    Withdraw(Vec<Vec<u8>>),
    /// Session reset (RFC 7606 §2): the UPDATE cannot be read safely, end
    /// the session with this NOTIFICATION.
    Reset(Notify),
}

/// The approaches of RFC 7606 §2, least severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Approach {
    Discard,
    Withdraw,
}

/// Judges one whole UPDATE `message` (header included, already framed) of
/// a session that negotiated `session`.
pub(super) fn judge(message: &[u8], session: &Negotiated) -> Verdict {
    match judge_parts(message, session) {
        Ok(verdict) => verdict,
        Err(notify) => Verdict::Reset(notify),
    }
}

fn judge_parts(message: &[u8], session: &Negotiated) -> Result<Verdict, Notify> {
    let malformed = || Notify::new(notify_code::UPDATE, subcode::MALFORMED_ATTRIBUTE_LIST);
    // Lengths that do not add up leave no way to find the NLRI: reset
    // (RFC 7606 §4, RFC 4271 §6.3).
    let body = message.get(HEADER_LEN..).ok_or_else(malformed)?;
    let update = Update::decode(Reader::new(body)).map_err(|_| malformed())?;
    let ipv4_ids = session.add_path.applies(1, 1);
    // Unreadable IPv4 NLRI: RFC 7606 §5.3 keeps the session reset.
    let invalid = || Notify::new(notify_code::UPDATE, subcode::INVALID_NETWORK_FIELD);
    let withdrawn = collect(update.withdrawn(ipv4_ids)).ok_or_else(invalid)?;
    let announced = collect(update.announced(ipv4_ids)).ok_or_else(invalid)?;

    let attrs = session.add_path.attributes(&update, session.asn_width());
    let block = attribute_block(body, &update);
    let review = review(block, session)?;
    // MP NLRI that cannot be read (RFC 7606 §5.3, §7.11).
    let bad_mp = || Notify::new(notify_code::UPDATE, subcode::OPTIONAL_ATTRIBUTE);
    let unreach = attrs.mp_unreach.map(|u| (u.afi, u.safi, collect(u.nlri())));
    let reach = attrs.mp_reach.map(|r| (r.afi, r.safi, collect(r.nlri())));
    let mut mp = Vec::new();
    for (afi, safi, nlri) in unreach.into_iter().chain(reach) {
        mp.push((afi, safi, nlri.ok_or_else(bad_mp)?));
    }

    // A route needs ORIGIN and AS_PATH, and an IPv4 route outside
    // MP_REACH_NLRI a NEXT_HOP: without them, treat-as-withdraw (§3 d).
    let reaches =
        !announced.is_empty() || attrs.mp_reach.is_some_and(|r| !r.nlri_bytes().is_empty());
    let missing = (reaches && (attrs.origin.is_none() || attrs.as_path.is_none()))
        || (!announced.is_empty() && attrs.next_hop.is_none());
    let approach = if missing {
        Some(Approach::Withdraw)
    } else {
        review.approach
    };

    let encode_failed = |_| malformed();
    match approach {
        None => Ok(Verdict::Accept),
        Some(Approach::Discard) => {
            let mut out = Vec::new();
            encode::update(&mut out, &withdrawn, &review.kept, &announced)
                .map_err(encode_failed)?;
            Ok(Verdict::Discard(out))
        }
        Some(Approach::Withdraw) => {
            let ipv4: Vec<Nlri> = withdrawn.into_iter().chain(announced).collect();
            withdrawals(&ipv4, merge(mp))
                .map(Verdict::Withdraw)
                .map_err(encode_failed)
        }
    }
}

/// Every NLRI of `iter`, or `None` if one cannot be read.
fn collect(iter: impl Iterator<Item = wire::Result<Nlri>>) -> Option<Vec<Nlri>> {
    iter.collect::<Result<_, _>>().ok()
}

/// The path attribute block of an UPDATE body `update` was decoded from.
fn attribute_block<'a>(body: &'a [u8], update: &Update<'_>) -> &'a [u8] {
    let withdrawn_len = body
        .get(..2)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map_or(0, |b| usize::from(u16::from_be_bytes(b)));
    let start = 4 + withdrawn_len;
    body.get(start..start + update.attributes_len())
        .unwrap_or_default()
}

/// What the attribute-by-attribute review found.
struct Review {
    /// The most severe approach an attribute called for, if any.
    approach: Option<Approach>,
    /// The attribute block without the attributes to discard.
    kept: Vec<u8>,
}

/// Reviews each attribute of `block`; an error is a session reset.
fn review(block: &[u8], session: &Negotiated) -> Result<Review, Notify> {
    let mut seen = [false; 256];
    let mut review = Review {
        approach: None,
        kept: Vec::with_capacity(block.len()),
    };
    let mut one = Vec::new();
    for item in RawAttributes::new(Reader::new(block)) {
        let Ok(raw) = item else {
            // An attribute overrunning the block: the Total Attribute Length
            // still finds the NLRI, so treat-as-withdraw (RFC 7606 §4).
            review.approach = Some(Approach::Withdraw);
            break;
        };
        let repeated = std::mem::replace(&mut seen[usize::from(raw.type_code)], true);
        let found = if repeated {
            // The first one counts, the others are discarded, except for
            // the MP attributes, whose routes would be lost (§3 g).
            Some(match raw.type_code {
                code::MP_REACH_NLRI | code::MP_UNREACH_NLRI => return Err(mp_error()),
                _ => Approach::Discard,
            })
        } else {
            fault(raw, session, &mut one)?
        };
        if found != Some(Approach::Discard) {
            // Copied as received: its length fit before, so it fits again.
            let _ = encode::attr::raw(&mut review.kept, raw.flags, raw.type_code, raw.value);
        }
        review.approach = review.approach.max(found);
    }
    Ok(review)
}

fn mp_error() -> Notify {
    Notify::new(notify_code::UPDATE, subcode::OPTIONAL_ATTRIBUTE)
}

/// What one attribute calls for, if it is malformed; an error for the
/// faults that still reset the session. `one` is scratch space.
fn fault(
    raw: RawAttribute<'_>,
    session: &Negotiated,
    one: &mut Vec<u8>,
) -> Result<Option<Approach>, Notify> {
    let Some(expected) = expected_flags(raw.type_code) else {
        // RFC 7606 leaves RFC 4271 §6.3 standing here: a well-known
        // attribute we do not know is a session reset.
        if raw.flags & flag::OPTIONAL == 0 {
            return Err(Notify::with_data(
                notify_code::UPDATE,
                subcode::UNRECOGNIZED_WELL_KNOWN,
                &[raw.flags, raw.type_code],
            ));
        }
        return Ok(None);
    };
    // Flags in conflict with the attribute's make it malformed (§3 c).
    let flags_wrong = raw.flags & (flag::OPTIONAL | flag::TRANSITIVE) != expected;
    let origin_wrong = raw.type_code == code::ORIGIN && raw.value.first().is_some_and(|&o| o > 2);
    one.clear();
    let _ = encode::attr::raw(one, raw.flags, raw.type_code, raw.value);
    let context = AttrContext {
        asn_width: session.asn_width(),
        add_path: false,
        rib: false,
    };
    let decoded = Attributes::decode(Reader::new(one), context)
        .error
        .is_none();
    if decoded && !flags_wrong && !origin_wrong {
        return Ok(None);
    }
    match raw.type_code {
        // The next hop comes before the NLRI, which then cannot be found
        // reliably: session reset (§7.11).
        code::MP_REACH_NLRI | code::MP_UNREACH_NLRI => Err(mp_error()),
        // Attributes that do not affect route selection: attribute discard
        // (§7.6 ATOMIC_AGGREGATE, §7.7 AGGREGATOR, RFC 6793 §6 AS4_PATH
        // and AS4_AGGREGATOR).
        code::ATOMIC_AGGREGATE | code::AGGREGATOR | code::AS4_PATH | code::AS4_AGGREGATOR => {
            Ok(Some(Approach::Discard))
        }
        // The rest affect route selection or policy: treat-as-withdraw
        // (§7.1 ORIGIN, §7.2 AS_PATH, §7.3 NEXT_HOP, §7.4 MED, §7.5
        // LOCAL_PREF, §7.8 COMMUNITIES, §7.9 ORIGINATOR_ID, §7.10
        // CLUSTER_LIST, §7.14 EXTENDED COMMUNITIES, RFC 8092 §6
        // LARGE_COMMUNITY, RFC 9234 §5 ONLY_TO_CUSTOMER).
        _ => Ok(Some(Approach::Withdraw)),
    }
}

/// The Optional and Transitive bits each attribute the collector knows
/// must carry (RFC 4271 §5, RFC 4760, RFC 6793, RFC 1997, RFC 4360,
/// RFC 4456, RFC 8092, RFC 9234).
fn expected_flags(type_code: u8) -> Option<u8> {
    const WELL_KNOWN: u8 = flag::TRANSITIVE;
    const OPTIONAL_TRANSITIVE: u8 = flag::OPTIONAL | flag::TRANSITIVE;
    match type_code {
        code::ORIGIN
        | code::AS_PATH
        | code::NEXT_HOP
        | code::LOCAL_PREF
        | code::ATOMIC_AGGREGATE => Some(WELL_KNOWN),
        code::AGGREGATOR
        | code::COMMUNITIES
        | code::EXTENDED_COMMUNITIES
        | code::AS4_PATH
        | code::AS4_AGGREGATOR
        | code::LARGE_COMMUNITIES
        | code::ONLY_TO_CUSTOMER => Some(OPTIONAL_TRANSITIVE),
        code::MULTI_EXIT_DISC
        | code::ORIGINATOR_ID
        | code::CLUSTER_LIST
        | code::MP_REACH_NLRI
        | code::MP_UNREACH_NLRI => Some(flag::OPTIONAL),
        _ => None,
    }
}

/// The MP NLRI lists by family, each family once and only those with
/// routes (an empty MP_UNREACH_NLRI would read as End-of-RIB, RFC 4724 §2).
fn merge(lists: Vec<(u16, u8, Vec<Nlri>)>) -> Vec<(u16, u8, Vec<Nlri>)> {
    let mut merged: Vec<(u16, u8, Vec<Nlri>)> = Vec::new();
    for (afi, safi, nlri) in lists {
        match merged.iter_mut().find(|(a, s, _)| (*a, *s) == (afi, safi)) {
            Some((_, _, list)) => list.extend(nlri),
            None => merged.push((afi, safi, nlri)),
        }
    }
    merged.retain(|(_, _, list)| !list.is_empty());
    merged
}

/// UPDATEs withdrawing `ipv4` and the `mp` routes: one MP_UNREACH_NLRI per
/// family, as an UPDATE holds at most one (RFC 4760 §4); the IPv4 routes
/// share the first.
fn withdrawals(
    ipv4: &[Nlri],
    mp: Vec<(u16, u8, Vec<Nlri>)>,
) -> Result<Vec<Vec<u8>>, encode::EncodeError> {
    let mut families = mp.into_iter();
    let mut messages = Vec::new();
    let first = families.next();
    if !ipv4.is_empty() || first.is_some() {
        messages.push(withdrawal(ipv4, first.as_ref())?);
    }
    for family in families {
        messages.push(withdrawal(&[], Some(&family))?);
    }
    Ok(messages)
}

/// One UPDATE withdrawing `ipv4` and the routes of `family`.
fn withdrawal(
    ipv4: &[Nlri],
    family: Option<&(u16, u8, Vec<Nlri>)>,
) -> Result<Vec<u8>, encode::EncodeError> {
    let mut attrs = Vec::new();
    if let Some((afi, safi, nlri)) = family {
        encode::attr::mp_unreach(&mut attrs, *afi, *safi, nlri)?;
    }
    let mut out = Vec::new();
    encode::update(&mut out, ipv4, &attrs, &[])?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use wire::aspath::SegmentKind;
    use wire::attr::Origin;
    use wire::bgp::Message;
    use wire::encode::attr;
    use wire::{AsnWidth, Prefix};

    use crate::bgp_collector::open::AddPathFamilies;

    const SESSION: Negotiated = Negotiated {
        hold_time: 90,
        four_octet: true,
        add_path: AddPathFamilies {
            ipv4: false,
            ipv6: false,
        },
    };

    fn route() -> Nlri {
        Nlri {
            prefix: Prefix::v4(Ipv4Addr::new(175, 45, 176, 0), 24).unwrap(),
            path_id: None,
        }
    }

    /// ORIGIN, AS_PATH, NEXT_HOP, then `extra`.
    fn attributes(extra: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        attr::origin(&mut out, Origin::Igp);
        attr::as_path(
            &mut out,
            &[(SegmentKind::Sequence, &[64500][..])],
            AsnWidth::Four,
        )
        .unwrap();
        attr::next_hop(&mut out, Ipv4Addr::new(198, 51, 100, 2));
        out.extend_from_slice(extra);
        out
    }

    fn update(attrs: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode::update(&mut out, &[], attrs, &[route()]).unwrap();
        out
    }

    fn withdrawal() -> Verdict {
        let mut out = Vec::new();
        encode::update(&mut out, &[route()], &[], &[]).unwrap();
        Verdict::Withdraw(vec![out])
    }

    #[test]
    fn a_well_formed_update_passes() {
        assert_eq!(judge(&update(&attributes(&[])), &SESSION), Verdict::Accept);
    }

    #[test]
    fn a_repeated_attribute_is_discarded_but_a_repeated_mp_attribute_resets() {
        let mut med = Vec::new();
        attr::med(&mut med, 5);
        let twice = [med.clone(), med.clone()].concat();
        assert_eq!(
            judge(&update(&attributes(&twice)), &SESSION),
            Verdict::Discard(update(&attributes(&med)))
        );
        let mut unreach = Vec::new();
        attr::mp_unreach(&mut unreach, 2, 1, &[]).unwrap();
        let twice = [unreach.clone(), unreach].concat();
        assert_eq!(
            judge(&update(&attributes(&twice)), &SESSION),
            Verdict::Reset(Notify::new(3, 9))
        );
    }

    #[test]
    fn wrong_flags_missing_attributes_and_overruns_withdraw() {
        // A MED marked transitive (§3 c).
        let mut med = Vec::new();
        attr::raw(
            &mut med,
            flag::OPTIONAL | flag::TRANSITIVE,
            code::MULTI_EXIT_DISC,
            &[0; 4],
        )
        .unwrap();
        assert_eq!(judge(&update(&attributes(&med)), &SESSION), withdrawal());
        // No NEXT_HOP for IPv4 routes (§3 d).
        let all = attributes(&[]);
        let without_next_hop = &all[..all.len() - 7];
        assert_eq!(judge(&update(without_next_hop), &SESSION), withdrawal());
        // An attribute longer than the block (§4).
        let overrun = attributes(&[flag::OPTIONAL, 99, 200]);
        assert_eq!(judge(&update(&overrun), &SESSION), withdrawal());
    }

    #[test]
    fn unreadable_messages_reset() {
        // An unknown well-known attribute (RFC 4271 §6.3).
        let unknown = attributes(&[flag::TRANSITIVE, 99, 0]);
        assert_eq!(
            judge(&update(&unknown), &SESSION),
            Verdict::Reset(Notify::with_data(3, 2, &[flag::TRANSITIVE, 99]))
        );
        // IPv4 NLRI with a prefix longer than 32 bits (§5.3).
        let mut bad = update(&attributes(&[]));
        let last = bad.len() - 4;
        bad[last] = 33;
        assert_eq!(judge(&bad, &SESSION), Verdict::Reset(Notify::new(3, 10)));
        // A withdrawn length beyond the message (§4).
        let mut bad = update(&[]);
        bad[19] = 0xff;
        assert_eq!(judge(&bad, &SESSION), Verdict::Reset(Notify::new(3, 1)));
    }

    #[test]
    fn what_comes_out_reads_back() {
        let mut agg = Vec::new();
        attr::raw(
            &mut agg,
            flag::OPTIONAL | flag::TRANSITIVE,
            code::AGGREGATOR,
            &[1],
        )
        .unwrap();
        let Verdict::Discard(bytes) = judge(&update(&attributes(&agg)), &SESSION) else {
            panic!("attribute discard")
        };
        let Ok(Message::Update(u)) = Message::read(&mut Reader::new(&bytes)) else {
            panic!("an UPDATE")
        };
        let attrs = SESSION.add_path.attributes(&u, AsnWidth::Four);
        assert_eq!((attrs.error, attrs.aggregator), (None, None));
        assert_eq!(
            u.announced(false).map(Result::unwrap).collect::<Vec<_>>(),
            [route()]
        );
    }
}
