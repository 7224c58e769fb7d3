"""The help articles a shop starts with: eleven answers in six languages.

Buyers find these in the shop's help centre and its search, so each text uses the words buyers
type (with everyday synonyms) and says what to do on the order page and what happens next.
The only numbers are the legal minimums every shop keeps: 14 days to withdraw from delivery,
the refund within 14 days of the request, a claim period of typically 2 years, notice within
2 months of noticing a fault, and an answer from a person within 24 hours. A merchant edits the
texts to their own terms in the console.
"""

DEFAULT_ARTICLES: list[dict] = [
    {
        "key": "where-is-my-parcel",
        "section": "delivery",
        "position": 1,
        "texts": {
            "fi": {
                "title": "Missä pakettini on? Tilauksen seuranta",
                "body": (
                    "Voit seurata tilaustasi sen tilaussivulla. Avaa linkki tilausvahvistuksesta tai valitse "
                    'verkkokaupasta "Hallinnoi tilaustani".\n\n'
                    "Tilaussivulla näet, missä pakettisi kulkee: lähetyksen viimeisimmän tilan, kuljetusyhtiön, "
                    "seurantanumeron (seurantakoodin) ja päivän, johon mennessä toimitus on luvattu. Kohdassa "
                    "**Seuranta** näkyvät paketin kaikki vaiheet, ja sieltä pääset myös kuljetusyhtiön omaan "
                    "seurantaan.\n\n"
                    "Mitä tilat tarkoittavat:\n\n"
                    "- **Maksettu, käsittelyssä**: kauppa kerää ja pakkaa tilaustasi.\n"
                    "- **Lähetys luotu** tai **Kuljetusyhtiö on saanut lähetyksen tiedot**: paketti on valmis, "
                    "mutta kuljetusyhtiö ei ole vielä skannannut sitä.\n"
                    "- **Matkalla**: paketti on kuljetuksessa.\n"
                    "- **Jakelussa**: paketti tulee tänään.\n"
                    "- **Noudettavissa**: hae paketti noutopisteestä ja ota henkilöllisyystodistus mukaan.\n"
                    "- **Toimitusyritys epäonnistui** tai **Ongelma toimituksessa**: katso ohjeet kuljetusyhtiön "
                    "seurannasta.\n"
                    "- **Toimitettu**: paketti on toimitettu.\n\n"
                    'Jos seuranta ei etene tai paketti on myöhässä, lue ohje "Paketti on myöhässä tai ei ole '
                    'tullut".'
                ),
            },
            "sv": {
                "title": "Var är mitt paket? Spåra din beställning",
                "body": (
                    "Du följer din beställning på dess ordersida. Öppna länken i orderbekräftelsen eller välj "
                    '"Hantera min beställning" i butiken.\n\n'
                    "På ordersidan ser du paketets senaste status, fraktbolaget, spårningsnumret (kollinumret) "
                    "och datumet då leveransen är utlovad. Under **Spårning** syns varje steg i försändelsen, och "
                    "därifrån kommer du också till fraktbolagets egen spårning.\n\n"
                    "Så betyder statusorden:\n\n"
                    "- **Betald, förbereds**: butiken plockar och packar din order.\n"
                    "- **Försändelse skapad** eller **Fraktbolaget har fått paketets uppgifter**: paketet är "
                    "klart men har inte skannats av fraktbolaget än.\n"
                    "- **På väg**: paketet är på väg till dig.\n"
                    "- **Under utkörning**: det kommer i dag.\n"
                    "- **Kan hämtas ut**: hämta paketet hos ombudet och ta med legitimation.\n"
                    "- **Leveransförsöket misslyckades** eller **Problem med leveransen**: se fraktbolagets "
                    "spårning för vad du ska göra.\n"
                    "- **Levererad**: paketet är levererat.\n\n"
                    'Står spårningen still eller är paketet försenat? Läs "Mitt paket är försenat eller har inte '
                    'kommit".'
                ),
            },
            "da": {
                "title": "Hvor er min pakke? Følg din ordre",
                "body": (
                    "Du kan følge din ordre på ordresiden. Åbn linket i din ordrebekræftelse, eller vælg "
                    '"Administrer min ordre" i webshoppen.\n\n'
                    "På ordresiden kan du se pakkens seneste status, fragtfirmaet, sporingsnummeret (track & "
                    "trace) og den dato, leveringen er lovet til. Under **Sporing** ser du hvert trin i "
                    "forsendelsen, og derfra kommer du også videre til fragtfirmaets egen sporing.\n\n"
                    "Sådan læser du status:\n\n"
                    "- **Betalt, gøres klar**: butikken pakker din ordre.\n"
                    "- **Forsendelse oprettet** eller **Fragtfirmaet har modtaget pakkens oplysninger**: pakken "
                    "er klar, men fragtfirmaet har ikke scannet den endnu.\n"
                    "- **På vej**: pakken er undervejs.\n"
                    "- **Under udbringning**: den kommer i dag.\n"
                    "- **Klar til afhentning**: hent pakken i pakkeshoppen, og husk legitimation.\n"
                    "- **Leveringsforsøget mislykkedes** eller **Problem med leveringen**: se fragtfirmaets "
                    "sporing for, hvad du skal gøre.\n"
                    "- **Leveret**: pakken er leveret.\n\n"
                    'Står sporingen stille, eller er pakken forsinket? Læs "Min pakke er forsinket eller ikke '
                    'kommet".'
                ),
            },
            "nb": {
                "title": "Hvor er pakken min? Spor bestillingen",
                "body": (
                    "Du følger bestillingen din på ordresiden. Åpne lenken i ordrebekreftelsen, eller velg "
                    "«Administrer bestillingen min» i nettbutikken.\n\n"
                    "På ordresiden ser du pakkens siste status, transportøren, sporingsnummeret og datoen "
                    "leveringen er lovet innen. Under **Sporing** ser du hvert steg i forsendelsen, og derfra kan "
                    "du gå videre til transportørens egen sporing.\n\n"
                    "Slik leser du statusen:\n\n"
                    "- **Betalt, klargjøres**: butikken plukker og pakker bestillingen.\n"
                    "- **Forsendelsen er opprettet** eller **Transportøren har fått pakkeinformasjonen**: pakken "
                    "er klar, men transportøren har ikke skannet den ennå.\n"
                    "- **På vei**: pakken er underveis.\n"
                    "- **Ute for levering**: den leveres i dag.\n"
                    "- **Klar til henting**: hent pakken på hentestedet, og ta med legitimasjon.\n"
                    "- **Leveringsforsøket mislyktes** eller **Problem med leveringen**: sjekk transportørens "
                    "sporing for hva du skal gjøre.\n"
                    "- **Levert**: pakken er levert.\n\n"
                    "Står sporingen stille, eller er pakken forsinket? Les «Pakken er forsinket eller har ikke "
                    "kommet»."
                ),
            },
            "is": {
                "title": "Hvar er pakkinn minn? Rakning pöntunar",
                "body": (
                    "Þú getur fylgst með pöntuninni á pöntunarsíðunni. Opnaðu tengilinn í pöntunarstaðfestingunni "
                    "eða veldu „Pöntunin mín“ í vefversluninni.\n\n"
                    "Á pöntunarsíðunni sérðu nýjustu stöðu sendingarinnar, flutningsaðilann, rakningarnúmerið og "
                    "daginn sem afhendingu er lofað. Undir **Rakning** sérðu hvert skref sendingarinnar og kemst "
                    "þaðan á rakningarsíðu flutningsaðilans.\n\n"
                    "Hvað staðan þýðir:\n\n"
                    "- **Greidd, í vinnslu**: verslunin er að taka pöntunina saman.\n"
                    "- **Sending stofnuð** eða **Flutningsaðilinn hefur fengið upplýsingar um pakkann**: pakkinn "
                    "er tilbúinn en flutningsaðilinn hefur ekki skannað hann enn.\n"
                    "- **Á leiðinni**: pakkinn er á leið til þín.\n"
                    "- **Í útkeyrslu**: hann kemur í dag.\n"
                    "- **Bíður á afhendingarstað**: sæktu pakkann og taktu skilríki með þér.\n"
                    "- **Afhending tókst ekki** eða **Vandamál við afhendingu**: skoðaðu rakningu "
                    "flutningsaðilans.\n"
                    "- **Afhent**: pakkinn hefur verið afhentur.\n\n"
                    "Ef rakningin hreyfist ekki eða pakkinn er seinn, lestu „Pakkinn er seinn eða hefur ekki "
                    "borist“."
                ),
            },
            "en": {
                "title": "Where is my parcel? Tracking your package",
                "body": (
                    "You can follow your order on its order page. Open the link in your order confirmation email, "
                    'or choose "Manage my order" in the shop.\n\n'
                    "The order page shows the latest status of the shipment, the carrier, the tracking number "
                    "(tracking code) and the date the delivery is promised by. **Tracking** lists every step of "
                    "the package's journey, with a link to the carrier's own tracking.\n\n"
                    "What the status words mean:\n\n"
                    "- **Paid, being prepared**: the shop is picking and packing your order.\n"
                    "- **Shipment created** or **Carrier has the parcel details**: the parcel is ready, but the "
                    "carrier has not scanned it yet.\n"
                    "- **On its way**: the parcel is in transit.\n"
                    "- **Out for delivery**: it arrives today.\n"
                    "- **Ready for pickup**: collect it from the pickup point and bring ID.\n"
                    "- **Delivery attempt failed** or **Delivery problem**: see the carrier's tracking for what "
                    "to do.\n"
                    "- **Delivered**: the parcel has arrived.\n\n"
                    'If the tracking has stopped moving or the parcel is late, read "My parcel is late or has not '
                    'arrived".'
                ),
            },
        },
    },
    {
        "key": "late-parcel",
        "section": "delivery",
        "position": 2,
        "texts": {
            "fi": {
                "title": "Paketti on myöhässä tai ei ole tullut",
                "body": (
                    "Joskus toimitus kestää luvattua kauemmin. Näin toimit, kun pakettisi on myöhässä, lähetys "
                    "viivästyy tai tilaus ei ole vieläkään tullut perille.\n\n"
                    "1. **Tarkista seuranta** tilaussivulta. Myöhässä olevan tilauksen kohdalla lukee "
                    "**Myöhässä**, ja kuljetusyhtiön viimeisin tila kertoo, missä lähetys on. Paketti voi odottaa "
                    "noutopisteessä, tai sinulle on voitu jättää saapumisilmoitus.\n"
                    "2. **Katso ympärillesi.** Kysy naapureilta, katso postilaatikko ja tarkista, että tilauksen "
                    "toimitusosoite on oikein.\n"
                    "3. **Kerro meille.** Paina myöhässä olevan tilauksen sivulla **Pakettini ei ole tullut** ja "
                    "kirjoita lisätietoja, esimerkiksi mitä seurannassa lukee.\n\n"
                    "Näin avaat asian, jonka hoitaa oikea ihminen. Saat heti vahvistuksen ja vastauksen 24 tunnin "
                    "sisällä, joka päivä. Selvitämme kuljetusyhtiön kanssa, mitä tapahtui. Jos paketti on "
                    "kadonnut, sovimme kanssasi uudesta toimituksesta tai rahojen palauttamisesta.\n\n"
                    "Näyttääkö seuranta **Toimitettu**, vaikka et ole saanut pakettia? Valitse tilaussivulla "
                    "**Ota yhteyttä**."
                ),
            },
            "sv": {
                "title": "Mitt paket är försenat eller har inte kommit",
                "body": (
                    "Ibland tar leveransen längre tid än utlovat. Så här gör du när ditt paket är försenat eller "
                    "fortfarande inte har kommit.\n\n"
                    "1. **Kolla spårningen** på ordersidan. En försenad order märks med **Försenad**, och "
                    "fraktbolagets senaste status visar var försändelsen är. Paketet kan ligga hos ett ombud, "
                    "eller så har du fått en avi.\n"
                    "2. **Titta runt.** Fråga grannarna, kolla brevlådan och kontrollera att leveransadressen i "
                    "ordern stämmer.\n"
                    "3. **Säg till.** Tryck på **Mitt paket har inte kommit** på den försenade orderns sida och "
                    "skriv det du vet, till exempel vad spårningen visar.\n\n"
                    "Då öppnas ett ärende som en riktig person tar hand om. Du får en bekräftelse direkt och svar "
                    "inom 24 timmar, alla dagar i veckan. Vi tar reda på hos fraktbolaget vad som har hänt, och "
                    "om paketet har kommit bort kommer vi överens med dig om en ny leverans eller pengarna "
                    "tillbaka.\n\n"
                    "Står det **Levererad** men du har inte fått något? Välj **Kontakta oss** på ordersidan."
                ),
            },
            "da": {
                "title": "Min pakke er forsinket eller ikke kommet",
                "body": (
                    "Nogle gange tager leveringen længere tid end lovet. Sådan gør du, når din pakke er forsinket "
                    "eller stadig ikke er kommet.\n\n"
                    "1. **Tjek sporingen** på ordresiden. En forsinket ordre er markeret med **Forsinket**, og "
                    "fragtfirmaets seneste status viser, hvor forsendelsen er. Pakken kan ligge i en pakkeshop, "
                    "eller du kan have fået en besked fra fragtfirmaet.\n"
                    "2. **Kig dig omkring.** Spørg naboerne, tjek postkassen, og se efter, at leveringsadressen "
                    "på ordren er rigtig.\n"
                    "3. **Sig det til os.** Tryk på **Min pakke er ikke kommet** på den forsinkede ordres side, "
                    "og skriv det, du ved, fx hvad sporingen siger.\n\n"
                    "Så opretter du en sag, som et rigtigt menneske tager sig af. Du får en bekræftelse med det "
                    "samme og svar inden for 24 timer, alle ugens dage. Vi finder ud af hos fragtfirmaet, hvad "
                    "der er sket, og hvis pakken er blevet væk, aftaler vi med dig, om du får en ny levering "
                    "eller pengene tilbage.\n\n"
                    "Står der **Leveret**, men du har ikke fået noget? Vælg **Kontakt os** på ordresiden."
                ),
            },
            "nb": {
                "title": "Pakken er forsinket eller har ikke kommet",
                "body": (
                    "Noen ganger tar leveringen lengre tid enn lovet. Slik gjør du når pakken din er forsinket "
                    "eller fremdeles ikke har kommet.\n\n"
                    "1. **Sjekk sporingen** på ordresiden. En forsinket bestilling er merket **Forsinket**, og "
                    "transportørens siste status viser hvor sendingen er. Pakken kan ligge på et hentested, eller "
                    "du kan ha fått en hentemelding.\n"
                    "2. **Se deg rundt.** Spør naboene, sjekk postkassen, og kontroller at leveringsadressen på "
                    "bestillingen er riktig.\n"
                    "3. **Si fra til oss.** Trykk på **Pakken min har ikke kommet** på siden til den forsinkede "
                    "bestillingen, og skriv det du vet, for eksempel hva sporingen viser.\n\n"
                    "Da åpner du en sak som et ekte menneske tar seg av. Du får en bekreftelse med en gang og "
                    "svar innen 24 timer, alle dager i uken. Vi finner ut hos transportøren hva som har skjedd, "
                    "og har pakken blitt borte, avtaler vi med deg om ny levering eller pengene tilbake.\n\n"
                    "Står det **Levert**, men du har ikke fått noe? Velg **Kontakt oss** på ordresiden."
                ),
            },
            "is": {
                "title": "Pakkinn er seinn eða hefur ekki borist",
                "body": (
                    "Stundum tekur afhendingin lengri tíma en lofað var. Svona ferðu að ef pakkinn þinn er seinn, "
                    "sendingunni seinkar eða hann er enn ekki kominn.\n\n"
                    "1. **Skoðaðu rakninguna** á pöntunarsíðunni. Pöntun sem er of sein er merkt **Seinkun** og "
                    "nýjasta staða flutningsaðilans sýnir hvar sendingin er. Pakkinn gæti beðið á afhendingarstað "
                    "eða þú gætir hafa fengið tilkynningu.\n"
                    "2. **Líttu í kringum þig.** Spurðu nágrannana, kíktu í póstkassann og athugaðu hvort "
                    "heimilisfangið í pöntuninni sé rétt.\n"
                    "3. **Láttu okkur vita.** Ýttu á **Pakkinn minn hefur ekki borist** á síðu pöntunarinnar og "
                    "skrifaðu það sem þú veist, til dæmis hvað stendur í rakningunni.\n\n"
                    "Þá stofnast mál sem manneskja sér um. Þú færð staðfestingu strax og svar innan 24 "
                    "klukkustunda, alla daga vikunnar. Við könnum hjá flutningsaðilanum hvað gerðist og ef "
                    "pakkinn hefur týnst semjum við við þig um nýja sendingu eða endurgreiðslu.\n\n"
                    "Stendur **Afhent** en þú hefur ekkert fengið? Veldu **Hafðu samband** á pöntunarsíðunni."
                ),
            },
            "en": {
                "title": "My parcel is late or has not arrived",
                "body": (
                    "Sometimes a delivery takes longer than promised. This is what to do when your parcel is "
                    "late, delayed or still has not arrived.\n\n"
                    "1. **Check the tracking** on your order page. A late order is marked **Late**, and the "
                    "carrier's latest status tells you where the package is. It may be waiting at a pickup point.\n"
                    "2. **Look around.** Ask your neighbours, check your mailbox, and check that the delivery "
                    "address on the order is right.\n"
                    "3. **Tell us.** On the order page of a late order, press **My parcel has not arrived** and "
                    "add anything useful, such as what the tracking says.\n\n"
                    "This opens a case that a real person handles. You get a confirmation at once and an answer "
                    "within 24 hours, every day. We find out from the carrier what happened, and if the parcel is "
                    "lost, we agree with you on a new delivery or your money back.\n\n"
                    "Does the tracking say **Delivered**, but you have not received anything? Choose **Contact "
                    "us** on the order page."
                ),
            },
        },
    },
    {
        "key": "delivery-times-and-costs",
        "section": "delivery",
        "position": 3,
        "texts": {
            "fi": {
                "title": "Toimitusajat ja toimituskulut",
                "body": (
                    "Kaupan toimitustavat, toimitusajat ja toimituskulut (postikulut) näet kassalla ennen "
                    "maksamista. Valitsemasi toimitustapa ja sen hinta löytyvät myös tilausvahvistuksesta.\n\n"
                    "Tilaussivulla näet:\n\n"
                    "- **päivän, johon mennessä toimitus on luvattu**\n"
                    "- kuljetusyhtiön oman arvion, kun paketti on matkalla\n"
                    "- toimituskulut rivillä **Toimitus** tuotteiden alla\n\n"
                    "Toimitusaika riippuu kuljetusyhtiöstä, toimitustavasta (kotiinkuljetus, noutopiste tai "
                    "pakettiautomaatti) ja asuinpaikastasi. Ensin kauppa kerää ja pakkaa tilauksen (**Maksettu, "
                    "käsittelyssä**), ja sitten se lähtee kuljetukseen (**Matkalla**).\n\n"
                    "Hyvä tietää: jos peruutat ostoksen ja palautat koko tilauksen, saat takaisin myös tavallisen "
                    "toimituksen hinnan. Jos valitsit nopeamman ja kalliimman toimituksen, lisähintaa ei "
                    "hyvitetä.\n\n"
                    'Onko luvattu päivä jo mennyt? Lue ohje "Paketti on myöhässä tai ei ole tullut".'
                ),
            },
            "sv": {
                "title": "Leveranstider och fraktkostnader",
                "body": (
                    "Butikens leveranssätt, leveranstider och fraktkostnader visas i kassan innan du betalar. Det "
                    "leveranssätt du valde och vad frakten kostade står också i orderbekräftelsen.\n\n"
                    "På ordersidan ser du:\n\n"
                    "- **datumet då leveransen är utlovad**\n"
                    "- fraktbolagets egen uppskattning när paketet är på väg\n"
                    "- fraktkostnaden på raden **Leverans** under varorna\n\n"
                    "Hur lång leveranstiden blir beror på fraktbolaget, leveranssättet (hemleverans, ombud eller "
                    "paketskåp) och var du bor. Först plockar och packar butiken din order (**Betald, "
                    "förbereds**), sedan lämnas den till fraktbolaget (**På väg**).\n\n"
                    "Bra att veta: om du ångrar köpet och returnerar hela ordern får du även tillbaka kostnaden "
                    "för standardfrakten. Valde du en snabbare och dyrare leverans betalas mellanskillnaden inte "
                    "tillbaka.\n\n"
                    'Har det utlovade datumet redan passerat? Läs "Mitt paket är försenat eller har inte kommit".'
                ),
            },
            "da": {
                "title": "Leveringstid og fragtpris",
                "body": (
                    "Butikkens leveringsmetoder, leveringstider og fragtpriser kan du se i kassen, før du "
                    "betaler. Den leveringsmetode, du valgte, og hvad fragten kostede, står også i din "
                    "ordrebekræftelse.\n\n"
                    "På ordresiden kan du se:\n\n"
                    "- **datoen, leveringen er lovet til**\n"
                    "- fragtfirmaets eget skøn, når pakken er på vej\n"
                    "- fragtprisen på linjen **Levering** under varerne\n\n"
                    "Hvor lang leveringstiden er, afhænger af fragtfirmaet, leveringsmetoden (levering til døren, "
                    "pakkeshop eller pakkeboks), og hvor du bor. Først pakker butikken din ordre (**Betalt, gøres "
                    "klar**), og derefter bliver den sendt (**På vej**).\n\n"
                    "Godt at vide: Hvis du fortryder købet og returnerer hele ordren, får du også prisen for "
                    "standardlevering tilbage. Har du valgt en hurtigere og dyrere levering, får du ikke "
                    "merprisen tilbage.\n\n"
                    'Er den lovede dato allerede overskredet? Læs "Min pakke er forsinket eller ikke kommet".'
                ),
            },
            "nb": {
                "title": "Leveringstid og fraktkostnader",
                "body": (
                    "Nettbutikkens leveringsmåter, leveringstider og fraktkostnader ser du i kassen før du "
                    "betaler. Leveringsmåten du valgte, og hva frakten kostet, står også i ordrebekreftelsen.\n\n"
                    "På ordresiden ser du:\n\n"
                    "- **datoen leveringen er lovet innen**\n"
                    "- transportørens eget anslag når pakken er på vei\n"
                    "- fraktkostnaden på linjen **Levering** under varene\n\n"
                    "Hvor lang leveringstiden blir, avhenger av transportøren, leveringsmåten (hjemlevering, "
                    "hentested eller pakkeautomat) og hvor du bor. Først plukker og pakker butikken bestillingen "
                    "(**Betalt, klargjøres**), deretter sendes den (**På vei**).\n\n"
                    "Greit å vite: Hvis du angrer kjøpet og returnerer hele bestillingen, får du også tilbake "
                    "prisen for standard frakt. Har du valgt en raskere og dyrere levering, får du ikke tilbake "
                    "merprisen.\n\n"
                    "Er den lovede datoen allerede passert? Les «Pakken er forsinket eller har ikke kommet»."
                ),
            },
            "is": {
                "title": "Afhendingartími og sendingarkostnaður",
                "body": (
                    "Afhendingarleiðir, afhendingartíma og sendingarkostnað verslunarinnar sérðu í "
                    "greiðsluferlinu áður en þú borgar. Afhendingarleiðin sem þú valdir og hvað sendingin kostaði "
                    "koma líka fram í pöntunarstaðfestingunni.\n\n"
                    "Á pöntunarsíðunni sérðu:\n\n"
                    "- **daginn sem afhendingu er lofað**\n"
                    "- áætlun flutningsaðilans þegar pakkinn er lagður af stað\n"
                    "- sendingarkostnaðinn í línunni **Afhending** undir vörunum\n\n"
                    "Hve langan tíma afhendingin tekur fer eftir flutningsaðilanum, afhendingarleiðinni "
                    "(heimsending, afhendingarstaður eða pakkaskápur) og hvar þú býrð. Fyrst tekur verslunin "
                    "pöntunina saman (**Greidd, í vinnslu**) og svo fer hún af stað (**Á leiðinni**).\n\n"
                    "Gott að vita: ef þú fellur frá kaupunum og skilar allri pöntuninni færðu líka kostnaðinn við "
                    "venjulega sendingu endurgreiddan. Ef þú valdir hraðari og dýrari sendingu færðu mismuninn "
                    "ekki endurgreiddan.\n\n"
                    "Er lofaði dagurinn liðinn? Lestu „Pakkinn er seinn eða hefur ekki borist“."
                ),
            },
            "en": {
                "title": "Delivery times and costs",
                "body": (
                    "The shop's delivery options, delivery times and shipping costs are shown at checkout, before "
                    "you pay. The option you chose and what the delivery cost are also in your order "
                    "confirmation.\n\n"
                    "On your order page you find:\n\n"
                    "- **the date the delivery is promised by**\n"
                    "- the carrier's own estimate once the parcel is on its way\n"
                    "- the delivery cost, on the **Delivery** row under the items\n\n"
                    "How long delivery takes depends on the carrier, the delivery method (home delivery, pickup "
                    "point or parcel locker) and where you live. First the shop picks and packs your order "
                    "(**Paid, being prepared**), then it is handed to the carrier (**On its way**).\n\n"
                    "Good to know: if you withdraw from the purchase and return the whole order, you also get "
                    "back the cost of the standard delivery. If you chose a faster, more expensive delivery, the "
                    "extra is not refunded.\n\n"
                    'Is the promised date already past? Read "My parcel is late or has not arrived".'
                ),
            },
        },
    },
    {
        "key": "how-to-return",
        "section": "returns",
        "position": 1,
        "texts": {
            "fi": {
                "title": "Miten palautan tuotteen? Näin teet palautuksen",
                "body": (
                    "Voit palauttaa tuotteita kaupan palautusajan sisällä. Se on aina vähintään 14 päivää "
                    "toimituksesta, sillä sinulla on lakisääteinen peruuttamisoikeus. Tilaussivulla näet, kauanko "
                    "aikaa on jäljellä.\n\n"
                    "1. Valitse tilaussivulla **Palauta tai vaihda tuotteita**.\n"
                    "2. Valitse tuotteet ja määrät, jotka haluat palauttaa, ja kerro palautuksen syy.\n"
                    "3. Valitse, mitä haluat tilalle: rahat takaisin alkuperäiselle maksutavalle, ostohyvitys tai "
                    "vaihto toiseen kokoon tai väriin.\n"
                    "4. Lähetä pyyntö. Saat vahvistuksen heti.\n"
                    "5. Kun palautus on hyväksytty, lataa tilaussivulta **palautuslähete** eli palautuslappu "
                    "(PDF). Tulosta se ja laita se pakettiin.\n"
                    "6. Pakkaa tuotteet huolellisesti, mieluiten alkuperäiseen pakkaukseen, ja vie paketti "
                    "kuljetusyhtiön palvelupisteeseen.\n\n"
                    "Palautuksen etenemistä voit seurata tilaussivulla. Rahat palautetaan viimeistään 14 päivän "
                    "kuluttua palautuspyynnöstä."
                ),
            },
            "sv": {
                "title": "Hur returnerar jag en vara?",
                "body": (
                    "Du kan returnera varor inom butikens returtid. Den är alltid minst 14 dagar från leveransen, "
                    "din lagstadgade ångerrätt, och på ordersidan ser du hur lång tid du har kvar.\n\n"
                    "1. Välj **Returnera eller byt varor** på ordersidan.\n"
                    "2. Välj vilka varor och hur många du vill skicka tillbaka, och berätta varför.\n"
                    "3. Välj vad du vill ha i stället: pengarna tillbaka till ditt ursprungliga betalsätt, "
                    "tillgodohavande eller byte till en annan storlek eller färg.\n"
                    "4. Skicka förfrågan. Du får en bekräftelse direkt.\n"
                    "5. När returen är godkänd laddar du ner **retursedeln** (en PDF) från ordersidan. Skriv ut "
                    "den och lägg den i paketet.\n"
                    "6. Packa varorna väl, gärna i originalförpackningen, och lämna paketet hos fraktbolagets "
                    "ombud.\n\n"
                    "Du kan följa returneringen på ordersidan. Återbetalningen kommer senast 14 dagar efter din "
                    "returförfrågan."
                ),
            },
            "da": {
                "title": "Sådan returnerer du en vare",
                "body": (
                    "Du kan returnere varer inden for butikkens returfrist. Den er altid mindst 14 dage fra "
                    "levering, som er din lovbestemte fortrydelsesret, og på ordresiden kan du se, hvor lang tid "
                    "du har tilbage.\n\n"
                    "1. Vælg **Returner eller byt varer** på ordresiden.\n"
                    "2. Vælg de varer og det antal, du vil sende retur, og fortæl os hvorfor.\n"
                    "3. Vælg, hvad du vil have i stedet: pengene tilbage på din oprindelige betalingsmetode, et "
                    "tilgodehavende eller en ombytning til en anden størrelse eller farve.\n"
                    "4. Send anmodningen. Du får en bekræftelse med det samme.\n"
                    "5. Når returneringen er godkendt, henter du **returseddelen** (en PDF) på ordresiden. Print "
                    "den, og læg den i pakken.\n"
                    "6. Pak varerne godt ind, gerne i den originale emballage, og aflever pakken i fragtfirmaets "
                    "pakkeshop.\n\n"
                    "Du kan følge returneringen på ordresiden. Du får pengene senest 14 dage efter din "
                    "returanmodning."
                ),
            },
            "nb": {
                "title": "Hvordan returnerer jeg en vare?",
                "body": (
                    "Du kan returnere varer innen butikkens returfrist. Den er alltid minst 14 dager fra "
                    "levering, som er den lovfestede angreretten din, og på ordresiden ser du hvor lang tid du "
                    "har igjen.\n\n"
                    "1. Velg **Returner eller bytt varer** på ordresiden.\n"
                    "2. Velg hvilke varer og hvor mange du vil sende tilbake, og fortell oss hvorfor.\n"
                    "3. Velg hva du vil ha i stedet: pengene tilbake til den opprinnelige betalingsmåten, "
                    "tilgodelapp eller bytte til en annen størrelse eller farge.\n"
                    "4. Send forespørselen. Du får en bekreftelse med en gang.\n"
                    "5. Når returen er godkjent, laster du ned **returseddelen** (en PDF) fra ordresiden. Skriv "
                    "den ut og legg den i pakken.\n"
                    "6. Pakk varene godt, gjerne i originalemballasjen, og lever pakken på et av transportørens "
                    "innleveringssteder.\n\n"
                    "Du kan følge returen på ordresiden. Pengene får du senest 14 dager etter returforespørselen."
                ),
            },
            "is": {
                "title": "Hvernig skila ég vöru? Vöruskil skref fyrir skref",
                "body": (
                    "Þú getur skilað vörum innan skilafrests verslunarinnar. Hann er alltaf að minnsta kosti 14 "
                    "dagar frá afhendingu, sem er lögbundinn réttur þinn til að falla frá kaupum, og á "
                    "pöntunarsíðunni sérðu hve langur tími er eftir.\n\n"
                    "1. Veldu **Skila eða skipta vörum** á pöntunarsíðunni.\n"
                    "2. Veldu vörurnar og fjöldann sem þú vilt senda til baka og segðu okkur af hverju.\n"
                    "3. Veldu hvað þú vilt fá í staðinn: endurgreiðslu inn á upprunalegan greiðslumáta, inneign "
                    "eða skipti í aðra stærð eða annan lit.\n"
                    "4. Sendu beiðnina. Þú færð staðfestingu strax.\n"
                    "5. Þegar skilin hafa verið samþykkt sækirðu **skilaseðilinn** (PDF) á pöntunarsíðunni. "
                    "Prentaðu hann út og settu hann í pakkann.\n"
                    "6. Pakkaðu vörunum vel, helst í upprunalegu umbúðirnar, og farðu með pakkann á "
                    "afhendingarstað flutningsaðilans.\n\n"
                    "Þú getur fylgst með skilunum á pöntunarsíðunni. Endurgreiðslan berst í síðasta lagi 14 dögum "
                    "eftir að þú baðst um skilin."
                ),
            },
            "en": {
                "title": "How do I return an item?",
                "body": (
                    "You can return items within the shop's return window. It is always at least 14 days from "
                    "delivery, which is your legal right of withdrawal, and the order page shows how long you "
                    "have left.\n\n"
                    "1. On your order page, choose **Return or exchange items**.\n"
                    "2. Pick the items and quantities you want to send back, and tell us why.\n"
                    "3. Choose what you want instead: money back to your original payment, store credit, or an "
                    "exchange for another size or colour.\n"
                    "4. Send the request. You get a confirmation straight away.\n"
                    "5. When the return is approved, download the **return slip** (a PDF, your return label) from "
                    "the order page. Print it and put it in the parcel.\n"
                    "6. Pack the items well, preferably in the original packaging, and drop the parcel off at one "
                    "of the carrier's service points.\n\n"
                    "You can follow the return on the order page. Your refund comes at the latest 14 days after "
                    "your return request."
                ),
            },
        },
    },
    {
        "key": "refund-timing",
        "section": "returns",
        "position": 2,
        "texts": {
            "fi": {
                "title": "Milloin saan rahat takaisin?",
                "body": (
                    "Kun palautat tuotteita tai perut tilauksen, saat rahat takaisin viimeistään 14 päivän "
                    "kuluttua palautuspyynnöstä tai peruutuksesta. Usein hyvitys tulee nopeammin, esimerkiksi "
                    "heti kun palautuspaketti on saapunut kauppaan ja tarkistettu.\n\n"
                    "Mihin rahat palautetaan:\n\n"
                    "- **Rahat takaisin alkuperäiselle maksutavalle**: rahat palautetaan kortille, pankkitilille "
                    "tai muulle maksutavalle, jolla maksoit. Pankilta voi kulua vielä muutama päivä, ennen kuin "
                    "palautus näkyy tilitapahtumissa.\n"
                    "- **Ostohyvitys**: summa lisätään ostohyvitykseksi tähän kauppaan, ja voit käyttää sen "
                    "seuraavaan tilaukseen.\n\n"
                    "Valitset näiden välillä palautusta tehdessäsi. Hyväksytty hinnanalennus reklamaatiosta "
                    "maksetaan samalla tavalla.\n\n"
                    "Tilaussivulla näet hyvityksen tilan: **Hyvitetty** tai **Osittain hyvitetty**, kun rahat on "
                    "lähetetty. Saat siitä myös sähköpostin.\n\n"
                    "Onko kulunut yli 14 päivää, eikä rahoja näy? Valitse tilaussivulla **Ota yhteyttä**."
                ),
            },
            "sv": {
                "title": "När får jag pengarna tillbaka?",
                "body": (
                    "När du returnerar varor eller avbryter en beställning får du pengarna tillbaka senast 14 "
                    "dagar efter din returförfrågan eller avbeställning. Ofta går det fortare, till exempel så "
                    "snart returpaketet har kommit fram och kontrollerats.\n\n"
                    "Vart pengarna går:\n\n"
                    "- **Pengarna tillbaka till ditt ursprungliga betalsätt**: återbetalningen går till kortet, "
                    "bankkontot eller det betalsätt du använde. Banken kan behöva några dagar till innan beloppet "
                    "syns på kontot.\n"
                    "- **Tillgodohavande**: beloppet läggs till som tillgodohavande i butiken, och du kan använda "
                    "det vid nästa köp.\n\n"
                    "Du väljer mellan dessa när du gör returen. Ett godkänt prisavdrag efter en reklamation "
                    "betalas ut på samma sätt.\n\n"
                    "På ordersidan ser du hur det går med återbetalningen: **Återbetalt** eller **Delvis "
                    "återbetalt** när pengarna har skickats. Du får också ett mejl.\n\n"
                    "Har det gått mer än 14 dagar och du ser inget? Välj **Kontakta oss** på ordersidan."
                ),
            },
            "da": {
                "title": "Hvornår får jeg pengene tilbage?",
                "body": (
                    "Når du returnerer varer eller annullerer en ordre, får du pengene tilbage senest 14 dage "
                    "efter din returanmodning eller annullering. Ofte går det hurtigere, fx så snart returpakken "
                    "er kommet frem og er blevet tjekket.\n\n"
                    "Hvor pengene går hen:\n\n"
                    "- **Pengene tilbage på den oprindelige betalingsmetode**: refusionen går til kortet, "
                    "bankkontoen eller den betalingsmetode, du brugte. Din bank kan bruge et par dage mere, før "
                    "beløbet kan ses på kontoen.\n"
                    "- **Tilgodehavende**: beløbet bliver sat ind som tilgodehavende i butikken, og du kan bruge "
                    "det til dit næste køb.\n\n"
                    "Du vælger mellem de to, når du opretter returneringen. Et godkendt afslag i prisen efter en "
                    "reklamation bliver udbetalt på samme måde.\n\n"
                    "På ordresiden kan du se, hvordan det går med refusionen: **Refunderet** eller **Delvist "
                    "refunderet**, når pengene er sendt. Du får også en e-mail.\n\n"
                    "Er der gået mere end 14 dage, og kan du ikke se noget? Vælg **Kontakt os** på ordresiden."
                ),
            },
            "nb": {
                "title": "Når får jeg pengene tilbake?",
                "body": (
                    "Når du returnerer varer eller kansellerer en bestilling, får du pengene tilbake senest 14 "
                    "dager etter returforespørselen eller kanselleringen. Ofte går det raskere, for eksempel så "
                    "snart returpakken har kommet fram og er kontrollert.\n\n"
                    "Hvor pengene går:\n\n"
                    "- **Pengene tilbake til den opprinnelige betalingsmåten**: refusjonen (tilbakebetalingen) "
                    "går til kortet, bankkontoen eller betalingsmåten du brukte. Banken kan bruke noen dager "
                    "ekstra før beløpet vises på kontoen.\n"
                    "- **Tilgodelapp**: beløpet blir lagt inn som tilgodelapp i butikken, og du kan bruke det på "
                    "neste kjøp.\n\n"
                    "Du velger mellom disse når du lager returen. Et godkjent prisavslag etter en reklamasjon "
                    "blir betalt ut på samme måte.\n\n"
                    "På ordresiden ser du hvordan det går med refusjonen: **Refundert** eller **Delvis "
                    "refundert** når pengene er sendt. Du får også en e-post.\n\n"
                    "Har det gått mer enn 14 dager uten at du ser noe? Velg **Kontakt oss** på ordresiden."
                ),
            },
            "is": {
                "title": "Hvenær fæ ég endurgreitt? Peningarnir til baka",
                "body": (
                    "Þegar þú skilar vörum eða hættir við pöntun færðu peningana til baka í síðasta lagi 14 dögum "
                    "eftir að þú baðst um skil eða hættir við. Oft gengur það hraðar, til dæmis um leið og "
                    "skilapakkinn hefur borist og verið yfirfarinn.\n\n"
                    "Hvert peningarnir fara:\n\n"
                    "- **Endurgreiðsla inn á upprunalegan greiðslumáta**: peningarnir fara aftur á kortið, "
                    "bankareikninginn eða þann greiðslumáta sem þú notaðir. Bankinn getur þurft nokkra daga í "
                    "viðbót áður en upphæðin sést á reikningnum.\n"
                    "- **Inneign**: upphæðin er lögð inn sem inneign hjá versluninni og þú getur notað hana við "
                    "næstu kaup.\n\n"
                    "Þú velur á milli þegar þú gengur frá skilunum. Samþykktur afsláttur vegna galla er greiddur "
                    "út á sama hátt.\n\n"
                    "Á pöntunarsíðunni sérðu stöðu endurgreiðslunnar: **Endurgreitt** eða **Endurgreitt að "
                    "hluta** þegar peningarnir hafa verið sendir. Þú færð líka tölvupóst.\n\n"
                    "Eru liðnir meira en 14 dagar og þú sérð ekkert? Veldu **Hafðu samband** á pöntunarsíðunni."
                ),
            },
            "en": {
                "title": "When do I get my money back?",
                "body": (
                    "When you return items or cancel an order, you get your money back at the latest 14 days "
                    "after your return request or cancellation. It is often faster, for example as soon as the "
                    "returned parcel has arrived and been checked.\n\n"
                    "Where the money goes:\n\n"
                    "- **Money back to your original payment**: the refund goes to the card, bank account or "
                    "other payment method you used. Your bank may need a few more days before it shows on your "
                    "statement.\n"
                    "- **Store credit**: the amount is added as store credit in the shop, and you can spend it on "
                    "your next order.\n\n"
                    "You choose between these when you make the return. An agreed price reduction from a defect "
                    "claim is paid out the same way.\n\n"
                    "The order page shows how your refund is doing: **Refunded** or **Partly refunded** once the "
                    "money has been sent. You also get an email.\n\n"
                    "Has it been more than 14 days and you see nothing? Choose **Contact us** on the order page."
                ),
            },
        },
    },
    {
        "key": "exchange-size-or-colour",
        "section": "returns",
        "position": 3,
        "texts": {
            "fi": {
                "title": "Vaihda toiseen kokoon tai väriin",
                "body": (
                    "Väärä koko, vai haluaisitko pienemmän tai isomman koon tai toisen värin? Voit vaihtaa "
                    "tuotteen palautusajan sisällä. Se on aina vähintään 14 päivää toimituksesta.\n\n"
                    "1. Valitse tilaussivulla **Palauta tai vaihda tuotteita**.\n"
                    "2. Valitse tuote, kerro syy (esimerkiksi **Väärä koko tai istuvuus**) ja valitse **Vaihto "
                    "toiseen kokoon tai väriin**.\n"
                    "3. Valitse uusi koko tai väri. Tarjolla ovat vain varastossa olevat vaihtoehdot, ja "
                    "valitsemasi varataan sinulle.\n"
                    "4. Lähetä pyyntö. Kun kauppa on hyväksynyt vaihdon, lataa palautuslähete ja lähetä tuote "
                    'takaisin kuten ohjeessa "Miten palautan tuotteen?".\n\n'
                    "Kun kauppa on saanut tuotteen, uusi koko tai väri lähetetään sinulle uutena toimituksena, ja "
                    "voit seurata sitä tilaussivulla. Jos uusi vaihtoehto on kalliimpi, maksat erotuksen vaihtoa "
                    "pyytäessäsi. Jos se on halvempi, saat erotuksen takaisin.\n\n"
                    "Onko haluamasi koko tai väri loppu? Valitse vaihdon sijaan rahat takaisin tai ostohyvitys ja "
                    "tilaa uudelleen, kun tuotetta taas on."
                ),
            },
            "sv": {
                "title": "Byt till en annan storlek eller färg",
                "body": (
                    "Fel storlek, eller vill du hellre ha en större eller mindre storlek eller en annan färg? Du "
                    "kan byta varan inom returtiden, som alltid är minst 14 dagar från leveransen.\n\n"
                    "1. Välj **Returnera eller byt varor** på ordersidan.\n"
                    "2. Välj varan, ange orsaken (till exempel **Fel storlek eller passform**) och välj **Byte "
                    "till en annan storlek eller färg**.\n"
                    "3. Välj ny storlek eller färg. Bara det som finns i lager visas, och det du väljer "
                    "reserveras åt dig.\n"
                    "4. Skicka förfrågan. När butiken har godkänt bytet laddar du ner retursedeln och skickar "
                    'tillbaka varan som i "Hur returnerar jag en vara?".\n\n'
                    "När butiken har tagit emot varan skickas den nya storleken eller färgen till dig som en ny "
                    "leverans, och du kan följa den på ordersidan. Kostar den nya varianten mer betalar du "
                    "mellanskillnaden när du ber om bytet; kostar den mindre får du mellanskillnaden tillbaka.\n\n"
                    "Är storleken eller färgen du vill ha slut? Välj pengarna tillbaka eller tillgodohavande i "
                    "stället och beställ igen när den finns."
                ),
            },
            "da": {
                "title": "Byt til en anden størrelse eller farve",
                "body": (
                    "Forkert størrelse, eller vil du hellere have den en størrelse større eller mindre eller i en "
                    "anden farve? Du kan bytte varen inden for returfristen, som altid er mindst 14 dage fra "
                    "levering.\n\n"
                    "1. Vælg **Returner eller byt varer** på ordresiden.\n"
                    "2. Vælg varen, angiv årsagen (fx **Forkert størrelse eller pasform**), og vælg **Byt til en "
                    "anden størrelse eller farve**.\n"
                    "3. Vælg den nye størrelse eller farve. Kun det, der er på lager, vises, og det, du vælger, "
                    "bliver reserveret til dig.\n"
                    "4. Send anmodningen. Når butikken har godkendt ombytningen, henter du returseddelen og "
                    'sender varen retur som beskrevet i "Sådan returnerer du en vare".\n\n'
                    "Når butikken har modtaget varen, bliver den nye størrelse eller farve sendt til dig som en "
                    "ny levering, som du kan følge på ordresiden. Koster den nye variant mere, betaler du "
                    "forskellen, når du beder om ombytningen; koster den mindre, får du forskellen tilbage.\n\n"
                    "Er den størrelse eller farve, du vil have, udsolgt? Vælg pengene tilbage eller et "
                    "tilgodehavende i stedet, og bestil igen, når den er på lager."
                ),
            },
            "nb": {
                "title": "Bytt til en annen størrelse eller farge",
                "body": (
                    "Feil størrelse, eller vil du heller ha den en størrelse større eller mindre eller i en annen "
                    "farge? Du kan bytte varen innen returfristen, som alltid er minst 14 dager fra levering.\n\n"
                    "1. Velg **Returner eller bytt varer** på ordresiden.\n"
                    "2. Velg varen, oppgi årsaken (for eksempel **Feil størrelse eller passform**), og velg "
                    "**Bytt til en annen størrelse eller farge**.\n"
                    "3. Velg ny størrelse eller farge. Bare det som er på lager, vises, og det du velger, blir "
                    "reservert til deg.\n"
                    "4. Send forespørselen. Når butikken har godkjent byttet, laster du ned returseddelen og "
                    "sender varen tilbake som beskrevet i «Hvordan returnerer jeg en vare?».\n\n"
                    "Når butikken har mottatt varen, sendes den nye størrelsen eller fargen til deg som en ny "
                    "levering, og du kan følge den på ordresiden. Koster den nye varianten mer, betaler du "
                    "mellomlegget når du ber om byttet; koster den mindre, får du mellomlegget tilbake.\n\n"
                    "Er størrelsen eller fargen du vil ha, utsolgt? Velg pengene tilbake eller tilgodelapp i "
                    "stedet, og bestill på nytt når den er tilbake på lager."
                ),
            },
            "is": {
                "title": "Skipta í aðra stærð eða annan lit",
                "body": (
                    "Röng stærð, eða viltu frekar annan lit? Þú getur skipt um stærð eða lit innan "
                    "skilafrestsins, sem er alltaf að minnsta kosti 14 dagar frá afhendingu.\n\n"
                    "1. Veldu **Skila eða skipta vörum** á pöntunarsíðunni.\n"
                    "2. Veldu vöruna, tilgreindu ástæðuna (til dæmis **Röng stærð eða passar ekki**) og veldu "
                    "**Skipta í aðra stærð eða annan lit**.\n"
                    "3. Veldu nýja stærð eða nýjan lit. Aðeins það sem er til á lager er í boði og það sem þú "
                    "velur er tekið frá fyrir þig.\n"
                    "4. Sendu beiðnina. Þegar verslunin hefur samþykkt skiptin sækirðu skilaseðilinn og sendir "
                    "vöruna til baka eins og lýst er í „Hvernig skila ég vöru?“.\n\n"
                    "Þegar verslunin hefur tekið við vörunni sendum við þér nýju stærðina eða nýja litinn sem "
                    "nýja sendingu og þú getur fylgst með henni á pöntunarsíðunni. Ef nýja varan er dýrari "
                    "greiðir þú mismuninn þegar þú biður um skiptin; ef hún er ódýrari færðu mismuninn "
                    "endurgreiddan.\n\n"
                    "Er það sem þú vilt uppselt? Veldu þá endurgreiðslu eða inneign í staðinn og pantaðu aftur "
                    "þegar varan er komin aftur."
                ),
            },
            "en": {
                "title": "Exchange for another size or colour",
                "body": (
                    "Wrong size, or want it a size bigger or smaller, or in another colour? You can swap the item "
                    "within the return window, which is always at least 14 days from delivery.\n\n"
                    "1. On your order page, choose **Return or exchange items**.\n"
                    "2. Pick the item, give the reason (for example **Wrong size or fit**) and choose **Exchange "
                    "for another size or colour**.\n"
                    "3. Choose the new size or colour. Only what is in stock is offered, and your pick is "
                    "reserved for you.\n"
                    "4. Send the request. Once it is approved, download the return slip and send the item back.\n\n"
                    "When the shop receives the item, the new size or colour is sent to you, and you can follow "
                    "it on the order page. If it costs more, you pay the difference when you ask; if it costs "
                    "less, you get the difference back.\n\n"
                    "Sold out in your size or colour? Choose money back or store credit instead, and order again "
                    "when it is back in stock."
                ),
            },
        },
    },
    {
        "key": "cancel-order",
        "section": "returns",
        "position": 4,
        "texts": {
            "fi": {
                "title": "Tilauksen peruminen",
                "body": (
                    "Muutitko mielesi tai tilasitko vahingossa? Tilauksen voi peruuttaa niin kauan kuin kauppa ei "
                    "ole vielä lähettänyt sitä.\n\n"
                    "1. Avaa tilaussivu.\n"
                    "2. Valitse **Peru tilaus** ja vahvista.\n\n"
                    "Koko tilaus perutaan, ja koko summa palautetaan maksutavalle, jolla maksoit, viimeistään 14 "
                    "päivän kuluessa. Saat vahvistuksen sähköpostiin, ja tilaussivulla lukee **Peruttu**.\n\n"
                    "Jos painiketta ei näy, tilaus on jo lähetetty tai kauppa ei enää ota peruutuksia vastaan, "
                    "kun tilauksen käsittely on alkanut. Silloin voit:\n\n"
                    "- odottaa pakettia ja **palauttaa** sen: sinulla on vähintään 14 päivää toimituksesta aikaa "
                    "perua ostos, ja saat rahat takaisin kuten palautuksessa yleensä\n"
                    "- valita tilaussivulla **Ota yhteyttä**, jolloin ihminen vastaa 24 tunnin sisällä\n\n"
                    "Haluatko poistaa tilauksesta vain yhden tuotteen tai vaihtaa koon? Odota toimitusta ja "
                    "valitse **Palauta tai vaihda tuotteita**."
                ),
            },
            "sv": {
                "title": "Avbryta en beställning",
                "body": (
                    "Har du ångrat dig eller beställt av misstag? Du kan avbryta (avbeställa) en beställning så "
                    "länge butiken inte har skickat den.\n\n"
                    "1. Öppna ordersidan.\n"
                    "2. Välj **Avbryt beställningen** och bekräfta.\n\n"
                    "Hela beställningen avbryts och hela beloppet betalas tillbaka till det betalsätt du använde, "
                    "senast inom 14 dagar. Du får en bekräftelse via mejl, och på ordersidan står det "
                    "**Avbruten**.\n\n"
                    "Ser du inte knappen har ordern redan skickats, eller så tar butiken inte emot "
                    "avbeställningar när ordern väl har börjat förberedas. Då kan du:\n\n"
                    "- vänta på paketet och **returnera** det: du har minst 14 dagars ångerrätt från leveransen "
                    "och får pengarna tillbaka som vid en vanlig retur\n"
                    "- välja **Kontakta oss** på ordersidan, så svarar en person inom 24 timmar\n\n"
                    "Vill du bara ta bort en vara eller byta storlek? Vänta på leveransen och välj **Returnera "
                    "eller byt varor**."
                ),
            },
            "da": {
                "title": "Annuller en ordre",
                "body": (
                    "Har du fortrudt, eller har du bestilt ved en fejl? Du kan annullere (afbestille) en ordre, "
                    "så længe butikken ikke har sendt den endnu.\n\n"
                    "1. Åbn ordresiden.\n"
                    "2. Vælg **Annuller ordren**, og bekræft.\n\n"
                    "Hele ordren bliver annulleret, og hele beløbet bliver betalt tilbage til den "
                    "betalingsmetode, du brugte, senest inden for 14 dage. Du får en bekræftelse på e-mail, og på "
                    "ordresiden står der **Annulleret**.\n\n"
                    "Kan du ikke se knappen, er ordren allerede sendt, eller også tager butikken ikke imod "
                    "annulleringer, når ordren først er ved at blive gjort klar. Så kan du:\n\n"
                    "- vente på pakken og **returnere** den: du har mindst 14 dages fortrydelsesret fra levering "
                    "og får pengene tilbage som ved en almindelig returnering\n"
                    "- vælge **Kontakt os** på ordresiden, så svarer et menneske inden for 24 timer\n\n"
                    "Vil du kun fjerne én vare eller bytte størrelse? Vent på leveringen, og vælg **Returner "
                    "eller byt varer**."
                ),
            },
            "nb": {
                "title": "Kansellere en bestilling",
                "body": (
                    "Har du angret deg, eller bestilte du ved en feil? Du kan kansellere (avbestille) en "
                    "bestilling så lenge butikken ikke har sendt den ennå.\n\n"
                    "1. Åpne ordresiden.\n"
                    "2. Velg **Kanseller bestillingen** og bekreft.\n\n"
                    "Hele bestillingen blir kansellert, og hele beløpet blir betalt tilbake til betalingsmåten du "
                    "brukte, senest innen 14 dager. Du får en bekreftelse på e-post, og på ordresiden står det "
                    "**Kansellert**.\n\n"
                    "Ser du ikke knappen, er bestillingen allerede sendt, eller så tar ikke butikken imot "
                    "kanselleringer når bestillingen først er under behandling. Da kan du:\n\n"
                    "- vente på pakken og **returnere** den: du har minst 14 dagers angrerett fra levering og får "
                    "pengene tilbake som ved en vanlig retur\n"
                    "- velge **Kontakt oss** på ordresiden, så svarer et menneske innen 24 timer\n\n"
                    "Vil du bare fjerne én vare eller bytte størrelse? Vent på leveringen og velg **Returner "
                    "eller bytt varer**."
                ),
            },
            "is": {
                "title": "Hætta við pöntun (afpanta)",
                "body": (
                    "Skiptirðu um skoðun eða pantaðirðu óvart? Þú getur hætt við pöntun, það er afpantað hana, á "
                    "meðan verslunin hefur ekki sent hana.\n\n"
                    "1. Opnaðu pöntunarsíðuna.\n"
                    "2. Veldu **Hætta við pöntunina** og staðfestu.\n\n"
                    "Hætt er við alla pöntunina og öll upphæðin er endurgreidd inn á greiðslumátann sem þú "
                    "notaðir, í síðasta lagi innan 14 daga. Þú færð staðfestingu í tölvupósti og á "
                    "pöntunarsíðunni stendur **Hætt við**.\n\n"
                    "Ef þú sérð ekki hnappinn hefur pöntunin þegar verið send, eða verslunin tekur ekki við "
                    "afpöntunum eftir að vinnsla pöntunarinnar er hafin. Þá geturðu:\n\n"
                    "- beðið eftir pakkanum og **skilað** honum: þú hefur að minnsta kosti 14 daga frá afhendingu "
                    "til að falla frá kaupunum og færð peningana til baka eins og við venjuleg skil\n"
                    "- valið **Hafðu samband** á pöntunarsíðunni og manneskja svarar innan 24 klukkustunda\n\n"
                    "Viltu bara fjarlægja eina vöru eða skipta um stærð? Bíddu eftir sendingunni og veldu **Skila "
                    "eða skipta vörum**."
                ),
            },
            "en": {
                "title": "Cancel an order",
                "body": (
                    "Changed your mind, or ordered by mistake? You can cancel an order as long as the shop has "
                    "not shipped it yet.\n\n"
                    "1. Open your order page.\n"
                    "2. Choose **Cancel the order** and confirm.\n\n"
                    "The whole order is cancelled, and the full amount goes back to the payment you used, at the "
                    "latest within 14 days. You get a confirmation by email, and the order page shows "
                    "**Cancelled**.\n\n"
                    "If you do not see the button, the order has already been sent, or the shop no longer takes "
                    "cancellations once an order is being prepared. Then you can:\n\n"
                    "- wait for the parcel and **return** it: you have at least 14 days from delivery to withdraw "
                    "from the purchase, and you get your money back as with any return\n"
                    "- choose **Contact us** on the order page, and a person answers within 24 hours\n\n"
                    "Do you only want to remove one item or change a size? Wait for the delivery and choose "
                    "**Return or exchange items**."
                ),
            },
        },
    },
    {
        "key": "payment-methods",
        "section": "payment",
        "position": 1,
        "texts": {
            "fi": {
                "title": "Maksutavat",
                "body": (
                    "Kaupan hyväksymät maksutavat näet kassalla. Yleensä voit maksaa **kortilla**, "
                    "**verkkopankissa**, mobiilimaksulla tai laskulla, kaupasta ja maasta riippuen.\n\n"
                    "Tilaussivulla näet maksetun summan ja sen, miten tilaus on maksettu.\n\n"
                    "Hyvä tietää:\n\n"
                    "- **Hyvitykset palautetaan aina samalle maksutavalle**, jolla maksoit: samalle kortille, "
                    "pankkitilille tai maksusovellukseen. Palautusta tehdessäsi voit valita rahojen sijaan myös "
                    "ostohyvityksen.\n"
                    "- Jo maksetun tilauksen maksutapaa ei voi vaihtaa. Maksetun tilauksen voi kuitenkin muuttaa "
                    "osamaksuksi valinnalla **Jaa maksu osiin**, jos kauppa tarjoaa sitä.\n"
                    "- Hinnat sisältävät arvonlisäveron, ja toimituskulut näkyvät tilaussivulla omalla rivillään.\n\n"
                    "Näetkö veloituksen, jota et tunnista, tai veloitettiinko sinulta kahdesti? Valitse "
                    "tilaussivulla **Ota yhteyttä**, niin ihminen vastaa 24 tunnin sisällä."
                ),
            },
            "sv": {
                "title": "Betalsätt",
                "body": (
                    "Vilka betalsätt butiken tar emot ser du i kassan. Oftast kan du betala med **kort**, via "
                    "**internetbank**, med en betalapp i mobilen eller mot faktura, beroende på butik och land.\n\n"
                    "På ordersidan ser du det betalda beloppet och hur ordern betalades.\n\n"
                    "Bra att veta:\n\n"
                    "- **Återbetalningar går alltid tillbaka till det betalsätt du använde**: samma kort, "
                    "bankkonto eller betalapp. I stället för pengarna tillbaka kan du välja tillgodohavande när "
                    "du returnerar.\n"
                    "- Du kan inte byta betalsätt på en order som redan är betald. Däremot kan du göra om en "
                    "betald order till delbetalning med **Dela upp kostnaden**, om butiken erbjuder det.\n"
                    "- Priserna är inklusive moms, och frakten visas på en egen rad på ordersidan.\n\n"
                    "Ser du en dragning du inte känner igen, eller har du blivit debiterad två gånger? Välj "
                    "**Kontakta oss** på ordersidan, så svarar en person inom 24 timmar."
                ),
            },
            "da": {
                "title": "Betalingsmetoder",
                "body": (
                    "Hvilke betalingsmetoder butikken tager imod, kan du se i kassen. Som regel kan du betale med "
                    "**kort**, via **netbank**, med en betalingsapp på mobilen eller på faktura, afhængigt af "
                    "butikken og dit land.\n\n"
                    "På ordresiden kan du se det betalte beløb, og hvordan ordren blev betalt.\n\n"
                    "Godt at vide:\n\n"
                    "- **Refusioner går altid tilbage til den betalingsmetode, du brugte**: samme kort, bankkonto "
                    "eller betalingsapp. I stedet for pengene tilbage kan du vælge et tilgodehavende, når du "
                    "returnerer.\n"
                    "- Du kan ikke skifte betalingsmetode på en ordre, der allerede er betalt. Men du kan lave en "
                    "betalt ordre om til afbetaling med **Del betalingen op**, hvis butikken tilbyder det.\n"
                    "- Priserne er inkl. moms, og fragten står på sin egen linje på ordresiden.\n\n"
                    "Ser du en trækning, du ikke kender, eller er du blevet trukket to gange? Vælg **Kontakt os** "
                    "på ordresiden, så svarer et menneske inden for 24 timer."
                ),
            },
            "nb": {
                "title": "Betalingsmåter",
                "body": (
                    "Hvilke betalingsmåter nettbutikken tar imot, ser du i kassen. Vanligvis kan du betale med "
                    "**kort**, via **nettbank**, med en betalingsapp på mobilen eller med faktura, avhengig av "
                    "butikken og landet ditt.\n\n"
                    "På ordresiden ser du beløpet som er betalt, og hvordan bestillingen ble betalt.\n\n"
                    "Greit å vite:\n\n"
                    "- **Refusjoner går alltid tilbake til betalingsmåten du brukte**: samme kort, bankkonto "
                    "eller betalingsapp. I stedet for pengene tilbake kan du velge tilgodelapp når du returnerer.\n"
                    "- Du kan ikke bytte betalingsmåte på en bestilling som allerede er betalt. Men du kan gjøre "
                    "om en betalt bestilling til delbetaling med **Del opp betalingen**, hvis butikken tilbyr "
                    "det.\n"
                    "- Prisene er inkludert mva., og frakten står på en egen linje på ordresiden.\n\n"
                    "Ser du et trekk du ikke kjenner igjen, eller er du trukket to ganger? Velg **Kontakt oss** "
                    "på ordresiden, så svarer et menneske innen 24 timer."
                ),
            },
            "is": {
                "title": "Greiðsluleiðir og greiðslumátar",
                "body": (
                    "Hvaða greiðsluleiðir verslunin býður upp á sérðu í greiðsluferlinu. Yfirleitt geturðu greitt "
                    "með **korti**, í gegnum **netbanka**, með greiðsluappi í símanum eða með reikningi, eftir "
                    "verslun og landi.\n\n"
                    "Á pöntunarsíðunni sérðu upphæðina sem var greidd og hvernig pöntunin var greidd.\n\n"
                    "Gott að vita:\n\n"
                    "- **Endurgreiðslur fara alltaf inn á greiðslumátann sem þú notaðir**: sama kort, "
                    "bankareikning eða greiðsluapp. Í stað endurgreiðslu geturðu valið inneign þegar þú skilar "
                    "vörum.\n"
                    "- Ekki er hægt að breyta greiðslumáta pöntunar sem þegar er greidd. Hins vegar geturðu "
                    "breytt greiddri pöntun í raðgreiðslur með **Dreifðu greiðslunni** ef verslunin býður upp á "
                    "það.\n"
                    "- Öll verð eru með virðisaukaskatti og sendingarkostnaður er í sérlínu á pöntunarsíðunni.\n\n"
                    "Sérðu færslu sem þú kannast ekki við, eða var rukkað tvisvar? Veldu **Hafðu samband** á "
                    "pöntunarsíðunni og manneskja svarar innan 24 klukkustunda."
                ),
            },
            "en": {
                "title": "Payment methods",
                "body": (
                    "The payment methods the shop accepts are shown at checkout. Usually you can pay by **card**, "
                    "by **online bank payment**, with a mobile payment app or by invoice, depending on the shop "
                    "and your country.\n\n"
                    "Your order page shows the amount paid and how the order was paid.\n\n"
                    "Good to know:\n\n"
                    "- **Refunds always go back to the payment you used**: the same card, bank account or payment "
                    "app. Instead of money back, you can choose store credit when you return items.\n"
                    "- You cannot change the payment method of an order that is already paid. You can, however, "
                    "switch a paid order to instalments with **Spread the cost**, if the shop offers it.\n"
                    "- Prices include VAT, and the delivery cost has its own row on the order page.\n\n"
                    "Do you see a charge you do not recognise, or were you charged twice? Choose **Contact us** "
                    "on the order page, and a person answers within 24 hours."
                ),
            },
        },
    },
    {
        "key": "instalments",
        "section": "payment",
        "position": 2,
        "texts": {
            "fi": {
                "title": "Osamaksu: jaa maksu osiin",
                "body": (
                    "Oletko jo maksanut tilauksen? Voit silti muuttaa sen kuukausittaiseksi osamaksuksi "
                    "(erämaksuksi) tilaussivun valinnalla **Jaa maksu osiin**, jos kauppa tarjoaa sitä. Se "
                    "onnistuu tilauksille, jotka on maksettu kokonaan kortilla tai verkkopankissa.\n\n"
                    "1. Valitse **Jaa maksu osiin** ja maksuaika: 3, 6 tai 12 kuukautta sen mukaan, mitä kauppa "
                    "tarjoaa.\n"
                    "2. Ennen hyväksymistä näet kuukausierän, jokaisen eräpäivän, koron, mahdolliset kulut, "
                    "**todellisen vuosikoron** ja maksettavan kokonaissumman.\n"
                    "3. Hyväksy ehdot ja tallenna kortti kuukausimaksuja varten.\n\n"
                    "Ensimmäinen erä pidetään alkuperäisestä maksustasi, ja loput siitä palautetaan sinulle. Muut "
                    "erät veloitetaan tallennetulta kortilta eräpäivinä. Saat luottosopimuksen PDF-tiedostona "
                    "sähköpostiin.\n\n"
                    "- Voit **maksaa loput kerralla** milloin tahansa; korkoa maksat vain päiviltä, joina luotto "
                    "oli käytössä.\n"
                    "- Voit **peruuttaa luoton** 14 päivän kuluessa: maksat jäljellä olevan summan ja käytettyjen "
                    "päivien koron, ja kulut palautetaan.\n"
                    "- Jos veloitus epäonnistuu, saat sähköpostin ja voit maksaa erän suunnitelman sivulla. "
                    "Viivästysmaksuja ei peritä."
                ),
            },
            "sv": {
                "title": "Delbetalning: dela upp kostnaden",
                "body": (
                    "Har du redan betalat? Du kan ändå göra om ordern till delbetalning månad för månad med "
                    "**Dela upp kostnaden** på ordersidan, om butiken erbjuder det. Det går för ordrar som är "
                    "betalda i sin helhet med kort eller internetbank.\n\n"
                    "1. Välj **Dela upp kostnaden** och en plan: 3, 6 eller 12 månader, beroende på vad butiken "
                    "erbjuder.\n"
                    "2. Innan du godkänner ser du månadsbeloppet, varje förfallodag, räntan, eventuella avgifter, "
                    "den **effektiva räntan** och totalbeloppet.\n"
                    "3. Godkänn villkoren och spara ett kort för månadsbetalningarna.\n\n"
                    "Den första delbetalningen behålls från din ursprungliga betalning, och resten betalas "
                    "tillbaka. De övriga dras från det sparade kortet på förfallodagarna. Kreditavtalet får du "
                    "som PDF via mejl.\n\n"
                    "- Du kan **lösa krediten i förtid** när du vill; ränta betalar du bara för dagarna du har "
                    "använt krediten.\n"
                    "- Du har 14 dagars **ångerrätt** på krediten: du betalar det som återstår och räntan för "
                    "dagarna du använt den, och avgifterna betalas tillbaka.\n"
                    "- Misslyckas en dragning får du ett mejl och kan betala på planens sida. Inga "
                    "förseningsavgifter tas ut."
                ),
            },
            "da": {
                "title": "Afbetaling: del betalingen op i rater",
                "body": (
                    "Har du allerede betalt? Du kan stadig lave ordren om til afbetaling i månedlige rater med "
                    "**Del betalingen op** på ordresiden, hvis butikken tilbyder det. Det gælder ordrer, der er "
                    "betalt fuldt ud med kort eller netbank.\n\n"
                    "1. Vælg **Del betalingen op** og en plan: 3, 6 eller 12 måneder, som butikken tilbyder.\n"
                    "2. Før du accepterer, ser du det månedlige beløb, hver forfaldsdato, renten, eventuelle "
                    "gebyrer, **ÅOP** og det samlede beløb.\n"
                    "3. Accepter vilkårene, og gem et kort til de månedlige betalinger.\n\n"
                    "Den første rate dækkes af din oprindelige betaling, og resten får du tilbage. De øvrige "
                    "rater trækkes på det gemte kort, når de forfalder. Du får kreditaftalen som PDF på e-mail.\n\n"
                    "- Du kan **indfri** resten før tid når som helst; du betaler kun rente for de dage, du har "
                    "brugt kreditten.\n"
                    "- Du har 14 dages **fortrydelsesret** på kreditten: du betaler resten og renten for de dage, "
                    "du har brugt den, og gebyrerne bliver betalt tilbage.\n"
                    "- Fejler en trækning, får du en e-mail og kan betale på planens side. Der kommer ingen "
                    "rykkergebyrer."
                ),
            },
            "nb": {
                "title": "Delbetaling: del opp betalingen",
                "body": (
                    "Har du allerede betalt? Du kan likevel gjøre om bestillingen til delbetaling med månedlige "
                    "avdrag med **Del opp betalingen** på ordresiden, hvis butikken tilbyr det. Det gjelder "
                    "bestillinger som er betalt fullt ut med kort eller nettbank.\n\n"
                    "1. Velg **Del opp betalingen** og en plan: 3, 6 eller 12 måneder, etter hva butikken tilbyr.\n"
                    "2. Før du godtar, ser du månedsbeløpet, hver forfallsdato, renten, eventuelle gebyrer, "
                    "**effektiv rente** og totalbeløpet.\n"
                    "3. Godta vilkårene og lagre et kort til de månedlige betalingene.\n\n"
                    "Det første avdraget dekkes av den opprinnelige betalingen din, og resten får du tilbake. De "
                    "andre avdragene trekkes fra det lagrede kortet på forfallsdatoene. Kredittavtalen får du som "
                    "PDF på e-post.\n\n"
                    "- Du kan **innfri** resten når du vil; du betaler bare rente for dagene du har brukt "
                    "kreditten.\n"
                    "- Du har 14 dagers **angrerett** på kreditten: du betaler det som gjenstår og renten for "
                    "dagene du har brukt den, og gebyrene betales tilbake.\n"
                    "- Hvis et trekk mislykkes, får du en e-post og kan betale på planens side. Det tas ingen "
                    "purregebyr."
                ),
            },
            "is": {
                "title": "Raðgreiðslur: dreifðu greiðslunni",
                "body": (
                    "Hefurðu þegar greitt pöntunina? Þú getur samt breytt henni í mánaðarlegar raðgreiðslur "
                    "(afborganir) með **Dreifðu greiðslunni** á pöntunarsíðunni, ef verslunin býður upp á það. "
                    "Það á við um pantanir sem eru að fullu greiddar með korti eða í netbanka.\n\n"
                    "1. Veldu **Dreifðu greiðslunni** og greiðsluáætlun: 3, 6 eða 12 mánuði, eftir því hvað "
                    "verslunin býður.\n"
                    "2. Áður en þú samþykkir sérðu mánaðarlega upphæð, hvern gjalddaga, vexti, gjöld ef einhver "
                    "eru, **árlega hlutfallstölu kostnaðar (ÁHK)** og heildarupphæðina.\n"
                    "3. Samþykktu skilmálana og vistaðu kort fyrir mánaðarlegu greiðslurnar.\n\n"
                    "Fyrsta afborgunin er tekin af upprunalegu greiðslunni og afgangurinn af henni er "
                    "endurgreiddur. Hinar afborganirnar eru skuldfærðar á vistaða kortið á gjalddögum. Þú færð "
                    "lánssamninginn sem PDF í tölvupósti.\n\n"
                    "- Þú getur **greitt upp** eftirstöðvarnar hvenær sem er; vextir reiknast aðeins fyrir dagana "
                    "sem þú notaðir lánið.\n"
                    "- Þú getur **fallið frá** láninu innan 14 daga: þú greiðir eftirstöðvarnar og vexti fyrir "
                    "dagana sem liðu, og gjöldin eru endurgreidd.\n"
                    "- Ef skuldfærsla mistekst færðu tölvupóst og getur greitt á síðu greiðsluáætlunarinnar. "
                    "Engin vanskilagjöld eru innheimt."
                ),
            },
            "en": {
                "title": "Pay in instalments: spread the cost",
                "body": (
                    "You can switch a paid order to monthly instalments with **Spread the cost** on the order "
                    "page, if the shop offers it and you paid in full by card or online bank.\n\n"
                    "1. Pick a plan: 3, 6 or 12 months, as the shop offers.\n"
                    "2. Before you accept, you see the monthly amount, each due date, the interest rate, any "
                    "fees, the **APR** and the total you pay.\n"
                    "3. Accept the terms and save a card for the monthly payments.\n\n"
                    "The first instalment is kept from your original payment, and the rest is refunded. The "
                    "others are charged to the saved card on their due dates. The credit agreement comes as a PDF "
                    "by email.\n\n"
                    "- **Pay off early** any time; you pay interest only for the days used.\n"
                    "- You can **withdraw** from the credit within 14 days: pay what is left plus interest for "
                    "the days used, and any fees come back.\n"
                    "- If a charge fails, you get an email and can pay on the plan's page. No late fees are "
                    "charged."
                ),
            },
        },
    },
    {
        "key": "faulty-product",
        "section": "warranty",
        "position": 1,
        "texts": {
            "fi": {
                "title": "Tuote on viallinen: tee reklamaatio",
                "body": (
                    "Jos ostamasi tuote on viallinen, rikki tai ei toimi niin kuin pitäisi, sinulla on oikeus "
                    "saada virhe korjattua tai hyvitettyä. Tee reklamaatio tilaussivulla.\n\n"
                    "1. Valitse tuotteen kohdalta **Tee reklamaatio**.\n"
                    "2. Kuvaile vika ja lisää 1–5 kuvaa, joissa se näkyy.\n"
                    "3. Valitse, mitä toivot: **hinnanalennus** (ehdotat summan itse), **korvaava tuote**, "
                    "**korjaus** tai **kaupan purku** (rahat takaisin).\n\n"
                    "Saat vahvistuksen heti. Kauppa voi hyväksyä ehdotuksesi yhdellä napsautuksella, tehdä "
                    "vastaehdotuksen tai hylätä sen. Jos ette pääse sopuun, asiakaspalvelun ihminen ottaa asian "
                    "hoitaakseen ja vastaa 24 tunnin sisällä. Sovittu hinnanalennus maksetaan alkuperäiselle "
                    "maksutavalle.\n\n"
                    "Oikeutesi ovat voimassa takuusta riippumatta:\n\n"
                    "- Virheestä voi reklamoida yleensä **2 vuoden** ajan toimituksesta, joissain maissa "
                    "kauemmin, jos tuotteen on tarkoitus kestää pitkään.\n"
                    "- Ilmoita kauppaan **2 kuukauden** kuluessa siitä, kun huomasit vian; silloin olet aina "
                    "ajoissa.\n"
                    "- Jos vika ilmenee pian toimituksen jälkeen, sen oletetaan olleen tuotteessa alusta asti, ja "
                    "kaupan on osoitettava toisin."
                ),
            },
            "sv": {
                "title": "Varan är trasig eller felaktig: gör en reklamation",
                "body": (
                    "Om något du har köpt är trasigt, felaktigt eller inte fungerar som det ska har du rätt att "
                    "reklamera. Det gör du på ordersidan.\n\n"
                    "1. Välj **Gör en reklamation** vid varan.\n"
                    "2. Beskriv felet och lägg till 1–5 bilder som visar det.\n"
                    "3. Välj vad du vill ha: **ett prisavdrag** (du föreslår beloppet), **en ersättningsvara**, "
                    "**en reparation** eller **hävning av köpet** (pengarna tillbaka).\n\n"
                    "Du får en bekräftelse direkt. Butiken kan godta ditt förslag med ett klick, ge ett motbud "
                    "eller avslå det. Kommer ni inte överens tar en person på kundtjänst över reklamationen och "
                    "svarar inom 24 timmar. Ett överenskommet prisavdrag betalas tillbaka till ditt ursprungliga "
                    "betalsätt.\n\n"
                    "Dina rättigheter gäller oavsett vad garantin säger:\n\n"
                    "- Du kan reklamera i minst **2 år** från leveransen, och i vissa länder längre, till exempel "
                    "i Sverige.\n"
                    "- Säg till butiken inom **2 månader** från att du märkte felet; då är du alltid i tid.\n"
                    "- Visar sig ett fel snart efter leveransen antas det ha funnits från början, och det är "
                    "butiken som måste visa motsatsen."
                ),
            },
            "da": {
                "title": "Varen er defekt: reklamér over en fejl",
                "body": (
                    "Hvis noget, du har købt, er defekt, gået i stykker eller ikke virker, som det skal, har du "
                    "reklamationsret. Du reklamerer på ordresiden.\n\n"
                    "1. Vælg **Reklamér over en fejl** ved varen.\n"
                    "2. Beskriv fejlen, og tilføj 1–5 billeder, der viser den.\n"
                    "3. Vælg, hvad du gerne vil have: **et afslag i prisen** (du foreslår beløbet), **en "
                    "erstatningsvare**, **en reparation** eller **ophævelse af købet** (pengene tilbage).\n\n"
                    "Du får en bekræftelse med det samme. Butikken kan acceptere dit forslag med ét klik, komme "
                    "med et modbud eller afvise det. Bliver I ikke enige, overtager et menneske fra kundeservice "
                    "sagen og svarer inden for 24 timer. Et aftalt afslag i prisen bliver betalt tilbage til din "
                    "oprindelige betalingsmetode.\n\n"
                    "Dine rettigheder gælder, uanset hvad garantien siger:\n\n"
                    "- Reklamationsretten gælder typisk i **2 år** fra levering.\n"
                    "- Giv butikken besked inden for **2 måneder**, efter du har opdaget fejlen; så er du altid i "
                    "god tid.\n"
                    "- Viser en fejl sig kort efter leveringen, formodes den at have været der fra starten, og "
                    "det er butikken, der skal bevise andet."
                ),
            },
            "nb": {
                "title": "Varen er defekt: reklamer på en feil",
                "body": (
                    "Hvis noe du har kjøpt, er defekt, ødelagt eller ikke fungerer som det skal, har du "
                    "reklamasjonsrett. Du reklamerer på ordresiden.\n\n"
                    "1. Velg **Reklamer på en feil** ved varen.\n"
                    "2. Beskriv feilen og legg til 1–5 bilder som viser den.\n"
                    "3. Velg hva du ønsker: **et prisavslag** (du foreslår beløpet), **en erstatningsvare**, **en "
                    "reparasjon** eller **heving av kjøpet** (pengene tilbake).\n\n"
                    "Du får en bekreftelse med en gang. Butikken kan godta forslaget ditt med ett klikk, komme "
                    "med et motbud eller avslå det. Blir dere ikke enige, tar et menneske i kundeservice over "
                    "saken og svarer innen 24 timer. Et avtalt prisavslag betales tilbake til den opprinnelige "
                    "betalingsmåten.\n\n"
                    "Rettighetene dine gjelder uansett hva garantien sier:\n\n"
                    "- Reklamasjonsfristen er minst **2 år** fra levering, og lenger for varer som er ment å vare "
                    "vesentlig lenger.\n"
                    "- Si fra til butikken innen **2 måneder** etter at du oppdaget feilen; da har du alltid "
                    "reklamert i tide.\n"
                    "- Viser en feil seg kort etter levering, regnes den for å ha vært der fra starten, og "
                    "butikken må vise noe annet."
                ),
            },
            "is": {
                "title": "Varan er gölluð: senda kvörtun vegna galla",
                "body": (
                    "Ef vara sem þú keyptir er gölluð, biluð eða virkar ekki eins og hún á að gera áttu rétt á "
                    "úrbótum. Þú sendir kvörtun á pöntunarsíðunni.\n\n"
                    "1. Veldu **Senda kvörtun vegna galla** við vöruna.\n"
                    "2. Lýstu gallanum og bættu við 1–5 myndum sem sýna hann.\n"
                    "3. Veldu hvað þú vilt: **afslátt af verði** (þú leggur til upphæðina), **nýja vöru í "
                    "staðinn**, **viðgerð** eða **riftun kaupa** (endurgreiðslu).\n\n"
                    "Þú færð staðfestingu strax. Verslunin getur samþykkt tillöguna þína með einum smelli, gert "
                    "gagntilboð eða hafnað henni. Ef þið náið ekki saman tekur manneskja í þjónustuverinu við "
                    "málinu og svarar innan 24 klukkustunda. Umsaminn afsláttur er endurgreiddur inn á "
                    "upprunalegan greiðslumáta.\n\n"
                    "Réttindi þín gilda óháð því hvað ábyrgðin segir:\n\n"
                    "- Kvörtunarfrestur er yfirleitt **2 ár** frá afhendingu og lengri fyrir vörur sem eiga að "
                    "endast lengi.\n"
                    "- Láttu vita innan **2 mánaða** frá því að þú tókst eftir gallanum; þá ertu alltaf innan "
                    "tímans.\n"
                    "- Komi galli fram skömmu eftir afhendingu er gert ráð fyrir að hann hafi verið til staðar "
                    "frá upphafi og verslunin þarf að sýna fram á annað."
                ),
            },
            "en": {
                "title": "The product is faulty: report a defect",
                "body": (
                    "Is something you bought faulty, broken or not working as it should? Report it on the order "
                    "page.\n\n"
                    "1. Choose **Report a defect** next to the item.\n"
                    "2. Describe the fault and add 1–5 photos that show it.\n"
                    "3. Choose what you would like: **a price reduction** (you propose the amount), **a "
                    "replacement**, **a repair** or **cancelling the purchase** (money back).\n\n"
                    "You get a confirmation straight away. The shop can accept your proposal with one click, make "
                    "a counter-offer or decline it. If you cannot agree, a person from customer service takes "
                    "over and answers within 24 hours. An agreed price reduction is refunded to your original "
                    "payment.\n\n"
                    "Your rights apply whatever the warranty says:\n\n"
                    "- The claim period is typically **2 years** from delivery, in some countries longer for "
                    "goods meant to last.\n"
                    "- Tell the shop within **2 months** of noticing the fault; that is always in time.\n"
                    "- A fault that shows up soon after delivery is presumed to have been there from the start, "
                    "unless the shop shows otherwise."
                ),
            },
        },
    },
    {
        "key": "damaged-in-delivery",
        "section": "warranty",
        "position": 2,
        "texts": {
            "fi": {
                "title": "Tuote tuli rikki: kuljetusvaurio",
                "body": (
                    "Tuliko paketti perille vaurioituneena, tai oliko tuote rikkinäinen, kun avasit sen? Kauppa "
                    "vastaa tuotteesta, kunnes se on sinulla, joten kuljetusvaurio hoidetaan kuten muukin virhe.\n\n"
                    "1. **Ota kuvat heti**: paketista ulkoa, pakkauksesta ja rikkoutuneesta tuotteesta.\n"
                    "2. **Säilytä pakkaus**, kunnes asia on hoidettu. Älä heitä sitä pois, sillä kuljetusyhtiö "
                    "voi haluta nähdä sen.\n"
                    "3. **Tee reklamaatio** tilaussivulla saman tien: valitse tuote, kerro mitä tapahtui ja lisää "
                    "1–5 kuvaa. Valitse, mitä toivot: korvaava tuote, korjaus, hinnanalennus tai kaupan purku.\n\n"
                    "Saat vahvistuksen heti, ja kauppa selvittää asian kuljetusyhtiön kanssa. Sinun ei tarvitse.\n\n"
                    "Jos paketti on noutaessasi selvästi vaurioitunut, kerro siitä kuljettajalle tai "
                    "noutopisteessä ennen kuin otat sen vastaan, jos mahdollista.\n\n"
                    "Haluatko mieluummin palauttaa tuotteen? Sekin onnistuu valinnalla **Palauta tai vaihda "
                    "tuotteita**, kun palautusaika on vielä voimassa."
                ),
            },
            "sv": {
                "title": "Varan kom trasig: transportskada",
                "body": (
                    "Kom paketet fram skadat, eller var varan trasig när du öppnade den? Butiken ansvarar för "
                    "varan tills den har kommit fram till dig, så en transportskada hanteras som vilket annat fel "
                    "som helst.\n\n"
                    "1. **Fotografera direkt**: paketet utifrån, förpackningen och den skadade varan.\n"
                    "2. **Spara förpackningen** tills ärendet är avslutat. Släng den inte, fraktbolaget kan vilja "
                    "se den.\n"
                    "3. **Gör en reklamation** på ordersidan med en gång: välj varan, berätta vad som hänt och "
                    "lägg till 1–5 bilder. Välj vad du vill ha: en ersättningsvara, en reparation, ett prisavdrag "
                    "eller hävning av köpet.\n\n"
                    "Du får en bekräftelse direkt, och butiken tar hand om kontakten med fraktbolaget. Det "
                    "behöver inte du göra.\n\n"
                    "Är paketet synligt skadat när du hämtar det, säg till chauffören eller ombudet innan du tar "
                    "emot det, om du kan.\n\n"
                    "Vill du hellre returnera varan? Det går också med **Returnera eller byt varor** så länge "
                    "returtiden gäller."
                ),
            },
            "da": {
                "title": "Varen kom i stykker: transportskade",
                "body": (
                    "Kom pakken frem beskadiget, eller var varen i stykker, da du åbnede den? Butikken har "
                    "ansvaret for varen, indtil du har fået den, så en transportskade bliver behandlet som enhver "
                    "anden fejl.\n\n"
                    "1. **Tag billeder med det samme**: af pakken udefra, af emballagen og af den beskadigede "
                    "vare.\n"
                    "2. **Gem emballagen**, indtil sagen er afsluttet. Smid den ikke ud, for fragtfirmaet kan "
                    "have brug for at se den.\n"
                    "3. **Reklamér over en fejl** på ordresiden med det samme: vælg varen, fortæl, hvad der er "
                    "sket, og tilføj 1–5 billeder. Vælg, hvad du gerne vil have: en erstatningsvare, en "
                    "reparation, et afslag i prisen eller ophævelse af købet.\n\n"
                    "Du får en bekræftelse med det samme, og butikken klarer kontakten med fragtfirmaet. Det "
                    "behøver du ikke.\n\n"
                    "Er pakken tydeligt beskadiget, når du henter den, så sig det til chaufføren eller i "
                    "pakkeshoppen, før du tager imod den, hvis du kan.\n\n"
                    "Vil du hellere returnere varen? Det kan du også med **Returner eller byt varer**, så længe "
                    "returfristen ikke er udløbet."
                ),
            },
            "nb": {
                "title": "Varen kom ødelagt: transportskade",
                "body": (
                    "Kom pakken fram skadet, eller var varen ødelagt da du åpnet den? Butikken har ansvaret for "
                    "varen til du har fått den, så en transportskade behandles som enhver annen feil.\n\n"
                    "1. **Ta bilder med en gang**: av pakken utenfra, av emballasjen og av den skadde varen.\n"
                    "2. **Ta vare på emballasjen** til saken er avsluttet. Ikke kast den, transportøren kan ønske "
                    "å se den.\n"
                    "3. **Reklamer på en feil** på ordresiden med en gang: velg varen, fortell hva som har "
                    "skjedd, og legg til 1–5 bilder. Velg hva du ønsker: en erstatningsvare, en reparasjon, et "
                    "prisavslag eller heving av kjøpet.\n\n"
                    "Du får en bekreftelse med en gang, og butikken tar seg av kontakten med transportøren. Det "
                    "trenger ikke du.\n\n"
                    "Er pakken synlig skadet når du henter den, si fra til sjåføren eller på hentestedet før du "
                    "tar imot den, hvis du kan.\n\n"
                    "Vil du heller returnere varen? Det går også med **Returner eller bytt varer** så lenge "
                    "returfristen gjelder."
                ),
            },
            "is": {
                "title": "Varan kom brotin eða skemmdist í flutningi",
                "body": (
                    "Kom pakkinn skemmdur, eða var varan brotin eða biluð þegar þú opnaðir hann? Verslunin ber "
                    "ábyrgð á vörunni þar til hún er komin til þín, svo að flutningstjón er meðhöndlað eins og "
                    "hver annar galli.\n\n"
                    "1. **Taktu myndir strax**: af pakkanum að utan, af umbúðunum og af skemmdu vörunni.\n"
                    "2. **Geymdu umbúðirnar** þar til málinu er lokið. Ekki henda þeim, flutningsaðilinn gæti "
                    "viljað sjá þær.\n"
                    "3. **Sendu kvörtun vegna galla** á pöntunarsíðunni strax: veldu vöruna, segðu frá því sem "
                    "gerðist og bættu við 1–5 myndum. Veldu hvað þú vilt: nýja vöru í staðinn, viðgerð, afslátt "
                    "af verði eða riftun kaupa.\n\n"
                    "Þú færð staðfestingu strax og verslunin sér um samskiptin við flutningsaðilann. Þú þarft "
                    "ekki að gera það.\n\n"
                    "Ef pakkinn er greinilega skemmdur þegar þú sækir hann, láttu bílstjórann eða "
                    "afhendingarstaðinn vita áður en þú tekur við honum, ef þú getur.\n\n"
                    "Viltu frekar skila vörunni? Það er líka hægt með **Skila eða skipta vörum** á meðan "
                    "skilafresturinn er opinn."
                ),
            },
            "en": {
                "title": "The item arrived broken or damaged in delivery",
                "body": (
                    "Did your parcel arrive damaged, or was the item broken when you opened it? The shop is "
                    "responsible for the goods until they reach you, so damage in transit is handled like any "
                    "other defect.\n\n"
                    "1. **Take photos straight away**: of the parcel from the outside, of the packaging and of "
                    "the damaged item.\n"
                    "2. **Keep the packaging** until the case is settled. Do not throw it away; the carrier may "
                    "want to see it.\n"
                    "3. **Report a defect** on the order page at once: choose the item, describe what happened "
                    "and add 1–5 photos. Choose what you would like: a replacement, a repair, a price reduction "
                    "or cancelling the purchase.\n\n"
                    "You get a confirmation straight away, and the shop deals with the carrier. You do not have "
                    "to.\n\n"
                    "If the parcel is visibly damaged when you collect it, tell the driver or the pickup point "
                    "before you accept it, if you can.\n\n"
                    "Would you rather return the item? You can do that too with **Return or exchange items** "
                    "while the return window is open."
                ),
            },
        },
    },
]
