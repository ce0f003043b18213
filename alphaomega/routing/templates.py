"""Template grids that widen the exemplars' vocabulary in every language.

A grid is a sentence with ``{a|b|c}`` slots. A few seeded samples are drawn from each grid, so
the model sees each verb, object and phrasing of a language several times without the
full product of all slots crowding out the hand-written exemplars.
"""

from __future__ import annotations

import random
import re

_SLOT = re.compile(r"\{([^{}]*)\}")
SAMPLES_PER_GRID = 14
_SEED = 20240611


def expand(grid: str, count: int, rng: random.Random) -> list[str]:
    """Up to ``count`` distinct random fillings of ``grid``."""
    parts = _SLOT.split(grid)
    # re.split with a group alternates literal text and slot contents.
    choices = [part.split("|") if i % 2 else [part] for i, part in enumerate(parts)]
    seen: dict[str, None] = {}
    for _ in range(count * 4):
        sentence = "".join(rng.choice(options) for options in choices)
        seen[" ".join(sentence.split())] = None
        if len(seen) >= count:
            break
    return list(seen)


GRIDS: dict[str, tuple[str, ...]] = {
    "image_generation": (
        "{create|design|make|generate} {a logo|an icon|a banner|a poster|a cover image|a mascot|"
        "a sticker} for {my podcast|my company|our wedding|my football club|my band|my blog|"
        "my online course}",
        "{erstelle|entwirf|mach|gestalte|generiere} {ein Logo|ein Icon|ein Banner|ein Poster|"
        "ein Titelbild|ein Maskottchen} für {meinen Podcast|meine Firma|unsere Hochzeit|"
        "meinen Fußballverein|meine Band|meinen Blog}",
        "{crée|conçois|fais|génère|dessine} {un logo|une icône|une bannière|une affiche|"
        "une image de couverture|une mascotte} pour {mon podcast|mon entreprise|notre mariage|"
        "mon club de foot|mon groupe de musique|mon blog}",
        "{crea|diseña|haz|genera|hazme} {un logo|un icono|un banner|un póster|una portada|"
        "una mascota} para {mi podcast|mi empresa|nuestra boda|mi club de fútbol|mi banda|mi blog}",
        "{crea|progetta|fai|genera|fammi} {un logo|un'icona|un banner|un poster|una copertina|"
        "una mascotte} per {il mio podcast|la mia azienda|il nostro matrimonio|"
        "la mia squadra di calcio|la mia band|il mio blog}",
        "{crie|desenhe|faça|gere|cria} {um logotipo|um ícone|um banner|um pôster|uma capa|"
        "um mascote} para {o meu podcast|a minha empresa|o nosso casamento|o meu clube de futebol|"
        "a minha banda|o meu blog}",
        "{maak|ontwerp|genereer|teken} {een logo|een icoon|een banner|een poster|een omslagfoto|"
        "een mascotte} voor {mijn podcast|mijn bedrijf|onze bruiloft|mijn voetbalclub|"
        "mijn band|mijn blog}",
        "{remove the person from|make the sky more dramatic in|put sunglasses on the dog in|"
        "colorize|upscale and sharpen|extend the left side of|replace the background of|"
        "add snow to|turn into a cartoon} {this photo|this image|this picture|the attached photo}",
        "{entferne die Person aus|färbe|verwandle in ein Aquarell:|ersetze den Hintergrund von} "
        "{diesem Foto|diesem Bild}",
        "{retire la personne de|colorise|transforme en aquarelle|remplace le fond de} "
        "{cette photo|cette image}",
        "{quita la persona de|colorea|convierte en acuarela|cambia el fondo de} "
        "{esta foto|esta imagen}",
        "{rimuovi la persona da|colora|trasforma in acquerello|cambia lo sfondo di} "
        "{questa foto|questa immagine}",
        "{remova a pessoa desta|colorize esta|transforme em aquarela esta|troque o fundo desta} "
        "{foto|imagem}",
        "{verwijder de persoon uit|kleur|maak een aquarel van|vervang de achtergrond van} "
        "{deze foto|deze afbeelding}",
        "{generate|create|make|draw|paint|render|produce|design|sketch|illustrate} {me |}"
        "{an image|a picture|a photo|an illustration|a drawing|a painting|artwork|a render|"
        "a poster|a wallpaper|a logo|an icon|a portrait} {of|showing|with} {a lion in the savanna|"
        "an old bridge in fog|a girl with a red umbrella|a steam train|a city skyline|"
        "a horse on a beach|a bowl of fruit|a haunted house|a spaceship landing|a koi pond}",
        "{generiere|erstelle|erzeuge|mach|male|zeichne|gestalte|entwirf|rendere} {mir |}"
        "{ein Bild|ein Foto|eine Illustration|eine Zeichnung|ein Gemälde|ein Poster|"
        "ein Hintergrundbild|ein Logo|ein Porträt} {von|mit} {einem Löwen in der Savanne|"
        "einer alten Brücke im Nebel|einem Mädchen mit rotem Schirm|einer Dampflok|"
        "einer Skyline bei Nacht|einem Pferd am Strand|einer Obstschale|einem Spukhaus}",
        "{génère|crée|fais|dessine|peins|réalise|produis|conçois}{-moi|} {une image|une photo|"
        "une illustration|un dessin|une peinture|une affiche|un fond d'écran|un logo|un portrait} "
        "{d'un lion dans la savane|d'un vieux pont dans le brouillard|"
        "d'une fille au parapluie rouge|d'un train à vapeur|d'une ville la nuit|"
        "d'un cheval sur la plage|d'une maison hantée}",
        "{genera|crea|haz|dibuja|pinta|diseña|produce|hazme|dibújame|créame} {una imagen|una foto|"
        "una ilustración|un dibujo|un cuadro|un póster|un fondo de pantalla|un logo|un retrato} "
        "de {un león en la sabana|un puente antiguo en la niebla|una niña con paraguas rojo|"
        "un tren de vapor|una ciudad de noche|un caballo en la playa|una casa encantada}",
        "{genera|crea|fai|disegna|dipingi|realizza|progetta|fammi|disegnami} {un'immagine|una foto|"
        "un'illustrazione|un disegno|un dipinto|un poster|uno sfondo|un logo|un ritratto} "
        "{di|con} {un leone nella savana|un vecchio ponte nella nebbia|"
        "una ragazza con l'ombrello rosso|un treno a vapore|una città di notte|"
        "un cavallo sulla spiaggia|una casa stregata}",
        "{gere|crie|faça|desenhe|pinte|produza|cria|gera|faz} {uma imagem|uma foto|uma ilustração|"
        "um desenho|uma pintura|um pôster|um papel de parede|um logotipo|um retrato} de "
        "{um leão na savana|uma ponte antiga na neblina|uma menina com guarda-chuva vermelho|"
        "um trem a vapor|uma cidade à noite|um cavalo na praia|uma casa assombrada}",
        "{genereer|maak|teken|schilder|ontwerp|creëer} {een afbeelding|een foto|een illustratie|"
        "een tekening|een schilderij|een poster|een achtergrond|een logo|een portret} van "
        "{een leeuw op de savanne|een oude brug in de mist|een meisje met een rode paraplu|"
        "een stoomtrein|een stad bij nacht|een paard op het strand|een spookhuis}",
        "{a|an} {photorealistic|cinematic|dreamy|minimalist|vintage|epic|cute|detailed} "
        "{portrait|landscape|scene|close-up|still life} of {a lighthouse keeper|a desert oasis|"
        "a snow leopard|a jazz bar|a viking ship|a greenhouse|a tea ceremony}, "
        "{4k|8k|studio lighting|golden hour|highly detailed|digital painting|35mm film|"
        "volumetric light}",
    ),
    "code": (
        "my {React|Flask|Django|Android|Vue|Next.js|Spring|Rails|Express} app {shows a blank page|"
        "crashes on start|returns a 500 error|is very slow|won't compile|"
        "can't connect to the database|loses its state} {after build|in production|"
        "after the update|on mobile|}",
        "{what is|how does|explain|when should I use|how do I write} {an inner join|a left join|"
        "a foreign key|a primary key|a CTE|a window function|a database transaction|"
        "an index in SQL|a stored procedure|database normalization} {in SQL|in Postgres|in MySQL|}",
        "{what is|how do I use|how do I implement|explain} {CORS|a JWT|OAuth2|a webhook|"
        "websockets|a reverse proxy|middleware|server-side rendering|a message queue|"
        "a load balancer|a cron job|a virtualenv} {in Node|in Django|in Spring|in Flask|in Go|}",
        "{what's the big-O of|what is the complexity of|how fast is} {inserting into a heap|"
        "a hash map lookup|quicksort|binary search|breadth-first search|Dijkstra's algorithm|"
        "sorting a linked list|matrix multiplication}",
        "how {do I|can I|to} {draw a sprite|move a player|detect collisions|play a sound|"
        "load a texture|handle keyboard input} in {pygame|Unity|Godot|three.js|Phaser|SDL}",
        "{what's the difference between|difference between|when to use} {a list and a tuple|"
        "an abstract class and an interface|let and var|git merge and rebase|"
        "a process and a thread|SQL and NoSQL|== and is in Python|malloc and calloc|"
        "props and state in React|an array and a slice in Go}",
        "{what's the best data structure for|which algorithm should I use for|"
        "what's an efficient way to implement|how would you design the classes for} "
        "{a spell checker|a leaderboard|an undo history|a cache with expiry|"
        "finding duplicates in a big file|a shortest path search|a rate limiter|"
        "a priority queue of jobs}",
        "{terraform|ansible|helm|docker compose|the aws cli|kubectl|nginx|github actions|gradle|"
        "webpack} {says|fails with|throws|complains:} {resource already exists|permission denied|"
        "connection refused|unexpected token|no such file or directory|"
        "module not found|exit code 137|invalid configuration}",
        "{make|style|change|align} {the button|the link|the navbar|the submit button|the header|"
        "the footer|the input field} in my {html|css|page|React app} {red on hover|"
        "centered|full width|with rounded corners|sticky at the top|bold}",
        "{create|make|build|generate|set up|write} {a React component|a Dockerfile|a .gitignore|"
        "a SQL table|a pytest fixture|a GitHub Actions workflow|a Python function|a bash script|"
        "a TypeScript type|a database migration|a CSS class|an nginx config|a Makefile|"
        "a Vue component|a unit test|a helper function} {for|that handles|to test} "
        "{a login form|user sessions|a Node service|date parsing|a Go service|the orders table|"
        "file uploads|a dropdown menu}",
        "{erstelle|schreib|mach} {eine React-Komponente|ein Dockerfile|eine SQL-Tabelle|"
        "eine Hilfsfunktion|einen Unit-Test|eine Konfigurationsdatei} für {ein Login-Formular|"
        "einen Go-Dienst|die Bestellungen|das Parsen von Datumswerten}",
        "{crée|écris|fais} {un composant React|un Dockerfile|une table SQL|une fonction utilitaire|"
        "un test unitaire|un fichier de configuration} pour {un formulaire de connexion|"
        "un service Go|les commandes|le parsing des dates}",
        "{crea|escribe|haz} {un componente React|un Dockerfile|una tabla SQL|una función auxiliar|"
        "una prueba unitaria|un archivo de configuración} para {un formulario de login|"
        "un servicio en Go|los pedidos|parsear fechas}",
        "{crea|scrivi|fai} {un componente React|un Dockerfile|una tabella SQL|"
        "una funzione di utilità|un test unitario|un file di configurazione} per "
        "{un form di login|un servizio Go|gli ordini|il parsing delle date}",
        "{crie|escreva|faça} {um componente React|um Dockerfile|uma tabela SQL|uma função auxiliar|"
        "um teste unitário|um arquivo de configuração} para {um formulário de login|"
        "um serviço em Go|os pedidos|converter datas}",
        "{maak|schrijf} {een React-component|een Dockerfile|een SQL-tabel|een hulpfunctie|"
        "een unittest|een configuratiebestand} voor {een inlogformulier|een Go-service|"
        "de bestellingen|het parsen van datums}",
        "{write|implement|create|give me|code|fix|debug|refactor|optimize|explain} "
        "{a function|a script|a class|a method|a unit test|a query|a regex|this code|my program|"
        "an algorithm} {in|using|with} {Python|JavaScript|TypeScript|Java|C++|C#|Rust|Go|PHP|"
        "Ruby|SQL|bash|Kotlin|Swift} {that parses dates|that sorts records|that calls an API|"
        "that reads a file|to validate input|for a binary heap|that counts words|}",
        "{schreib|schreibe|implementiere|programmiere|erstelle|korrigiere|debugge|optimiere|"
        "erkläre} {mir |}{eine Funktion|ein Skript|eine Klasse|eine Methode|einen Test|"
        "eine Abfrage|einen regulären Ausdruck|diesen Code|mein Programm} in {Python|JavaScript|"
        "Java|C++|Rust|Go|PHP|SQL|Bash|TypeScript}{, die Daten sortiert|, das eine Datei einliest|"
        ", die eine API aufruft|, die Wörter zählt|}",
        "{écris|implémente|programme|code|corrige|débogue|optimise|explique}{-moi|} "
        "{une fonction|un script|une classe|une méthode|un test unitaire|une requête|une regex|"
        "ce code|mon programme} en {Python|JavaScript|Java|C++|Rust|Go|PHP|SQL|Bash|TypeScript} "
        "{qui trie des données|qui lit un fichier|qui appelle une API|qui compte les mots|}",
        "{escribe|implementa|programa|crea|corrige|depura|optimiza|explica} {una función|"
        "un script|una clase|un método|una prueba unitaria|una consulta|una expresión regular|"
        "este código|mi programa} en {Python|JavaScript|Java|C++|Rust|Go|PHP|SQL|Bash|TypeScript} "
        "{que ordene datos|que lea un archivo|que llame a una API|que cuente palabras|}",
        "{scrivi|implementa|programma|crea|correggi|ottimizza|spiega|scrivimi} {una funzione|"
        "uno script|una classe|un metodo|un test unitario|una query|una regex|questo codice|"
        "il mio programma} in {Python|JavaScript|Java|C++|Rust|Go|PHP|SQL|Bash|TypeScript} "
        "{che ordini i dati|che legga un file|che chiami un'API|che conti le parole|}",
        "{escreva|implemente|programe|crie|corrija|depure|otimize|explique|escreve|faz} "
        "{uma função|um script|uma classe|um método|um teste unitário|uma consulta|uma regex|"
        "este código|o meu programa} em {Python|JavaScript|Java|C++|Rust|Go|PHP|SQL|Bash|"
        "TypeScript} {que ordene dados|que leia um arquivo|que chame uma API|que conte palavras|}",
        "{schrijf|implementeer|programmeer|maak|repareer|debug|optimaliseer} {een functie|"
        "een script|een klasse|een methode|een unittest|een query|een regex|deze code|"
        "mijn programma} in {Python|JavaScript|Java|C++|Rust|Go|PHP|SQL|Bash|TypeScript} "
        "{die data sorteert|die een bestand leest|die een API aanroept|die woorden telt|}",
        "{what is|what are|explain|how does|how do} {closures|goroutines|a deadlock|"
        "polymorphism|inheritance|interfaces|lambdas|recursion|pointers|promises|generators|"
        "decorators|a thread pool|a hash table|a binary tree|dependency injection|"
        "the virtual DOM|garbage collection|big-O notation|memoization|unit testing|"
        "type hints|exceptions} {in Python|in Java|in JavaScript|in C|in Go|in Rust|"
        "in programming|}",
        "{how do I|how can I|how to|what's the best way to|is it possible to} "
        "{read a json file|sort an array|handle errors|connect to a database|write a test|"
        "split a string|parse xml|use a hashmap|deploy a container|profile memory} in "
        "{Python|JavaScript|Java|C++|Rust|Go|PHP|C#|Ruby|TypeScript}",
    ),
    "computer_use": (
        "{log in to|open|go to} {twitter|facebook|instagram|linkedin|reddit|mastodon} and "
        "{post a status update|like the first post|share this link|comment on my friend's post|"
        "send a direct message to Paul|delete my last post}",
        "{do|handle|finish|take care of} my {online grocery shopping|tax form on the portal|"
        "flight check-in|online banking transfer|browser downloads} {for me|on the website|now|}",
        "{take|grab|capture|make} a screenshot {of the browser|of my screen|and send it to me|"
        "of the second monitor|now|}",
        "{mach|erstelle|nimm} einen Screenshot {vom Browser|von meinem Bildschirm|jetzt|}",
        "{fais|prends} une capture d'écran {du navigateur|de mon écran|maintenant|}",
        "{haz|toma|saca} una captura de pantalla {del navegador|de mi pantalla|ahora|}",
        "{fai|cattura} uno screenshot {del browser|del mio schermo|adesso|}",
        "{tire|faça} uma captura de tela {do navegador|da minha tela|agora|}",
        "maak een screenshot {van de browser|van mijn scherm|nu|}",
        "{mute|unmute|turn up|turn down} the {volume|sound|speakers}",
        "{enable|disable|turn on|turn off|switch on|switch off} {wifi|bluetooth|notifications|"
        "night light|airplane mode|the firewall} {in the settings|on my laptop|on this computer|}",
        "{open|go to} {gmail|whatsapp web|my bank's website|the company portal|outlook|"
        "the school portal} and {send a message to Anna|download the invoice|pay the bill|"
        "open the last email|upload the document|check my messages}",
        "{schalte|mach} {das WLAN|Bluetooth|die Benachrichtigungen|den Ton} {aus|an}",
        "{active|désactive|coupe} {le wifi|le bluetooth|les notifications|le son}",
        "{activa|desactiva|silencia} {el wifi|el bluetooth|las notificaciones|el sonido}",
        "{attiva|disattiva} {il wifi|il bluetooth|le notifiche|l'audio}",
        "{ative|desative} {o wifi|o bluetooth|as notificações|o som}",
        "zet {de wifi|bluetooth|de meldingen|het geluid} {aan|uit}",
        "{open|launch|start|close} {Firefox|Chrome|the browser|the file manager|the terminal|"
        "the settings|the mail app|Spotify|Word|the calculator} and {click on the login button|"
        "go to the homepage|type my name in the search box|scroll down|take a screenshot|"
        "fill in the form|press save|select the first result|close the popup|open the menu}",
        "{click|double-click|right-click} {on |}{the OK button|the icon in the taskbar|"
        "the Send button|the link at the bottom|the file on the desktop|the menu bar|"
        "the checkbox|the search field}",
        "{öffne|starte|schließe} {Firefox|Chrome|den Browser|den Dateimanager|das Terminal|"
        "die Einstellungen|das Mailprogramm|Spotify|Word} und {klicke auf Anmelden|"
        "geh auf die Startseite|tippe meinen Namen ins Suchfeld|scroll nach unten|"
        "mach einen Screenshot|füll das Formular aus|drück auf Speichern|"
        "wähle das erste Ergebnis}",
        "{klick|klicke|doppelklicke|rechtsklicke} auf {den OK-Button|das Symbol in der Taskleiste|"
        "den Senden-Knopf|den Link unten|die Datei auf dem Desktop|die Menüleiste|"
        "das Kontrollkästchen}",
        "{ouvre|lance|démarre|ferme} {Firefox|Chrome|le navigateur|l'explorateur de fichiers|"
        "le terminal|les paramètres|la messagerie|Spotify|Word} et {clique sur Connexion|"
        "va sur la page d'accueil|tape mon nom dans la barre de recherche|"
        "fais défiler vers le bas|fais une capture d'écran|remplis le formulaire|"
        "appuie sur Enregistrer|sélectionne le premier résultat}",
        "{clique|double-clique|fais un clic droit} sur {le bouton OK|"
        "l'icône dans la barre des tâches|le bouton Valider|le lien en bas|"
        "le fichier sur le bureau|la case à cocher}",
        "{abre|inicia|cierra} {Firefox|Chrome|el navegador|el explorador de archivos|la terminal|"
        "la configuración|el correo|Spotify|Word} y {haz clic en Iniciar sesión|"
        "ve a la página principal|escribe mi nombre en el buscador|desplázate hacia abajo|"
        "haz una captura de pantalla|rellena el formulario|pulsa Guardar|"
        "selecciona el primer resultado}",
        "{haz clic|haz doble clic|haz clic derecho|pulsa} en {el botón OK|"
        "el icono de la barra de tareas|el botón Enviar|el enlace de abajo|"
        "el archivo del escritorio|la casilla}",
        "{apri|avvia|chiudi} {Firefox|Chrome|il browser|il file manager|il terminale|"
        "le impostazioni|la posta|Spotify|Word} e {clicca su Accedi|vai alla home page|"
        "scrivi il mio nome nella barra di ricerca|scorri in basso|fai uno screenshot|"
        "compila il modulo|premi Salva|seleziona il primo risultato}",
        "{clicca su|fai doppio clic su|fai clic destro su} {il pulsante OK|"
        "l'icona nella barra delle applicazioni|il pulsante Invia|il link in fondo|"
        "il file sul desktop|la casella di controllo}",
        "{abra|abre|inicie|feche} {o Firefox|o Chrome|o navegador|o explorador de arquivos|"
        "o terminal|as configurações|o e-mail|o Spotify|o Word} e {clique em Entrar|"
        "vá para a página inicial|digite meu nome na busca|role para baixo|"
        "tire uma captura de tela|preencha o formulário|aperte Salvar|"
        "selecione o primeiro resultado}",
        "{clique no|dê um duplo clique no|clique com o botão direito no} {botão OK|"
        "ícone da barra de tarefas|botão Enviar|link no rodapé|arquivo na área de trabalho}",
        "{open|start|sluit} {Firefox|Chrome|de browser|de verkenner|de terminal|"
        "de instellingen|de mail-app|Spotify|Word} en {klik op Inloggen|ga naar de startpagina|"
        "typ mijn naam in de zoekbalk|scroll naar beneden|maak een screenshot|"
        "vul het formulier in|druk op Opslaan|kies het eerste resultaat}",
        "{klik op|dubbelklik op|rechtsklik op} {de OK-knop|het pictogram in de taakbalk|"
        "de knop Verzenden|de link onderaan|het bestand op het bureaublad|het selectievakje}",
    ),
    "factory": (
        "{build|create|develop|make|generate|scaffold|code} {me |}{a complete|a full-stack|"
        "an entire|a whole|a production-ready|a fully working|a full} {web app|mobile app|"
        "application|website|platform|SaaS|game|system|project} {for|to manage} {a gym|"
        "a dental clinic|a book club|event tickets|a car workshop|a school|a coworking space|"
        "a food truck} {with login and a database|with frontend and backend|and deploy it|"
        "with tests and CI|with an admin panel|with payments|}",
        "{baue|bau|erstelle|entwickle|programmiere|generiere} {mir |}{eine komplette|"
        "eine vollständige|eine ganze|eine fertige} {Web-App|App|Anwendung|Webseite|Plattform|"
        "Software} für {ein Fitnessstudio|eine Zahnarztpraxis|einen Buchclub|"
        "Veranstaltungstickets|eine Autowerkstatt|eine Schule|einen Coworking-Space} "
        "{mit Login und Datenbank|mit Frontend und Backend|und deploye sie|mit Tests und CI|"
        "mit Adminbereich|mit Bezahlfunktion|}",
        "{construis|crée|développe|fais|génère|code}{-moi|} {une application complète|"
        "un site web complet|une plateforme complète|un projet complet|"
        "une application web complète|un jeu complet|un logiciel complet} pour "
        "{une salle de sport|un cabinet dentaire|un club de lecture|la vente de billets|"
        "un garage|une école|un espace de coworking} {avec connexion et base de données|"
        "avec frontend et backend|et déploie-la|avec tests et CI|"
        "avec un panneau d'administration|avec paiement en ligne|}",
        "{construye|crea|desarrolla|hazme|genera|programa} {una aplicación completa|"
        "un sitio web completo|una plataforma completa|un proyecto completo|"
        "una app web completa|un juego completo|un sistema completo} para {un gimnasio|"
        "una clínica dental|un club de lectura|la venta de entradas|un taller mecánico|"
        "un colegio|un espacio de coworking} {con login y base de datos|con frontend y backend|"
        "y despliégala|con tests y CI|con panel de administración|con pagos|}",
        "{costruisci|crea|sviluppa|fammi|genera|programma} {un'applicazione completa|"
        "un sito web completo|una piattaforma completa|un progetto completo|"
        "una web app completa|un gioco completo|un gestionale completo} per {una palestra|"
        "uno studio dentistico|un club del libro|la vendita di biglietti|un'officina|una scuola|"
        "uno spazio di coworking} {con login e database|con frontend e backend|"
        "e pubblicala online|con test e CI|con pannello di amministrazione|con pagamenti|}",
        "{construa|crie|desenvolva|faça|gere|programe|cria|desenvolve} {uma aplicação completa|"
        "um site completo|uma plataforma completa|um projeto completo|um aplicativo completo|"
        "um jogo completo|um sistema completo} para {uma academia|uma clínica dentária|"
        "um clube do livro|venda de ingressos|uma oficina|uma escola|um espaço de coworking} "
        "{com login e banco de dados|com frontend e backend|e faça o deploy|com testes e CI|"
        "com painel de administração|com pagamentos|}",
        "{bouw|maak|ontwikkel|genereer|programmeer} {een complete app|"
        "een volledige webapplicatie|een compleet platform|een volledig project|"
        "een complete website|een volledig spel|een compleet systeem} voor {een sportschool|"
        "een tandartspraktijk|een boekenclub|kaartverkoop|een garage|een school|"
        "een coworkingruimte} {met login en database|met frontend en backend|en deploy het|"
        "met tests en CI|met een beheerpaneel|met betalingen|}",
    ),
    "vision": (
        "{generate|create|write|suggest} {a description|alt text|a title|a caption|a short story|"
        "a list of objects|hashtags} for {this image|this photo|the picture|this screenshot}",
        "{where|what} should I {press|choose|tap} {on this screen|in this dialog|in this menu}",
        "{what's wrong with|find the mistake in|check} {this spreadsheet|this diagram|this form|"
        "this drawing|my handwriting}",
        "{describe|explain|analyze|summarize|caption|transcribe|translate|check} "
        "{this|the attached|the} {image|picture|photo|screenshot|chart|diagram|scan|document|pic}",
        "what {is|do you see|is written|is shown|is happening} {in|on} {this|the} "
        "{image|picture|photo|screenshot|sign|label|chart|pic}",
        "{beschreibe|erkläre|analysiere|übersetze|lies} {dieses|das} "
        "{Bild|Foto|Bildschirmfoto|Diagramm|Dokument}",
        "was {ist|siehst du|erkennst du|ist zu sehen} {auf|in} {diesem|dem} "
        "{Foto|Screenshot|Etikett}",
        "{décris|explique|analyse|résume|traduis|lis} {cette|l'} {image|photo|capture d'écran}",
        "qu'est-ce qu'on voit sur {cette|la} {image|photo|capture}",
        "{describe|explica|analiza|resume|traduce|lee} {esta|la} {imagen|captura|gráfica}",
        "qué {hay|se ve|aparece} en {esta|la} {captura|etiqueta|imagen}",
        "{descrivi|spiega|analizza|riassumi|traduci|leggi} {questa|la} {immagine|foto|schermata}",
        "cosa {vedi|è scritto|si vede} {in questa|nella} {immagine|schermata}",
        "{descreva|explique|analise|resuma|traduza|leia} {esta|a} {imagem|foto|captura de tela}",
        "o que {tem|está escrito|aparece} {nesta|na} {imagem|captura}",
        "{beschrijf|analyseer|vertaal|lees} {deze|de} {afbeelding|foto|schermafbeelding}",
        "wat {zie je|is er te zien} op {deze|de} {afbeelding|screenshot}",
    ),
    "general": (
        "{how do I make|how to make|how do you make|what's the trick to making} {sourdough bread|"
        "sushi at home|a paper airplane|cold brew coffee|a budget|a good first impression|"
        "friends as an adult|a smoothie|candles|my tomatoes grow faster|a wedding speech funny|"
        "my room cooler}",
        "{what app|which program|what software|which tool|what website} {can I use|should I use|"
        "is best|do you recommend} {to edit photos|for budgeting|to learn languages|"
        "to plan a trip|for note taking|to track my runs|for video calls|to make music}",
        "{how do I get|how can I get|how do I become} {better at chess|a passport|more sleep|"
        "a driving licence|rid of hiccups|over a breakup|fit after 40|a promotion}",
        "{what's the difference between|difference between|how do you tell apart} "
        "{a frog and a toad|baking soda and baking powder|a cold and the flu|"
        "a latte and a cappuccino|empathy and sympathy|stocks and bonds|a lake and a pond|"
        "a violin and a viola|"
        "a tornado and a hurricane|a crow and a magpie}",
        "{what's the plot of|summarize the plot of|explain the ending of|who is the villain in} "
        "{The Godfather|Interstellar|The Matrix|Breaking Bad|Pride and Prejudice|Game of Thrones|"
        "Moby Dick|the Lord of the Rings}",
        "was ist der Unterschied zwischen {Frosch und Kröte|Natron und Backpulver|"
        "Erkältung und Grippe|Latte und Cappuccino|Aktien und Anleihen}",
        "quelle est la différence entre {une grenouille et un crapaud|un rhume et la grippe|"
        "un latte et un cappuccino|les actions et les obligations}",
        "cuál es la diferencia entre {una rana y un sapo|un resfriado y la gripe|"
        "un latte y un capuchino|las acciones y los bonos}",
        "qual è la differenza tra {una rana e un rospo|il raffreddore e l'influenza|"
        "un latte e un cappuccino|azioni e obbligazioni}",
        "qual é a diferença entre {um sapo e uma rã|um resfriado e a gripe|"
        "um latte e um cappuccino|ações e títulos}",
        "wat is het verschil tussen {een kikker en een pad|een verkoudheid en griep|"
        "een latte en een cappuccino|aandelen en obligaties}",
        "{explain|can you explain|tell me|help me understand} {how|why} {volcanoes erupt|"
        "the moon affects the tides|bees make honey|the heart pumps blood|birds migrate|"
        "interest rates affect prices|earthquakes happen|the immune system works|"
        "plants grow towards light|stars are born|glaciers move|elections work}",
        "{erkläre mir|kannst du mir erklären|sag mir} {wie|warum} {Vulkane ausbrechen|"
        "der Mond die Gezeiten beeinflusst|Bienen Honig machen|das Herz Blut pumpt|"
        "Vögel im Winter wegziehen|Erdbeben entstehen|das Immunsystem funktioniert|"
        "Sterne entstehen|Wahlen funktionieren}",
        "{explique-moi|peux-tu m'expliquer|dis-moi} {comment|pourquoi} {les volcans entrent "
        "en éruption|la lune influence les marées|les abeilles font du miel|le cœur pompe le sang|"
        "les oiseaux migrent|les tremblements de terre se produisent|le système immunitaire "
        "fonctionne|les étoiles naissent}",
        "{explícame|puedes explicarme|dime} {cómo|por qué} {entran en erupción los volcanes|"
        "la luna afecta a las mareas|las abejas hacen miel|el corazón bombea sangre|"
        "migran las aves|ocurren los terremotos|funciona el sistema inmunitario|"
        "nacen las estrellas}",
        "{spiegami|puoi spiegarmi|dimmi} {come|perché} {eruttano i vulcani|"
        "la luna influenza le maree|le api fanno il miele|il cuore pompa il sangue|"
        "migrano gli uccelli|avvengono i terremoti|funziona il sistema immunitario|"
        "nascono le stelle|funziona l'economia}",
        "{explique|pode me explicar|me diga} {como|por que} {os vulcões entram em erupção|"
        "a lua afeta as marés|as abelhas fazem mel|o coração bombeia sangue|as aves migram|"
        "acontecem os terremotos|funciona o sistema imunológico|nascem as estrelas|"
        "funciona a economia}",
        "{leg uit|kun je uitleggen|vertel me} {hoe|waarom} {vulkanen uitbarsten|"
        "de maan de getijden beïnvloedt|bijen honing maken|het hart bloed pompt|"
        "vogels trekken|aardbevingen ontstaan|het immuunsysteem werkt|sterren ontstaan}",
        "{how do I|how can I|how to|what's the best way to} {boil an egg|fall asleep faster|"
        "clean a cast iron pan|ask for a raise|learn to swim|grow tomatoes|remove a wine stain|"
        "tie a tie|negotiate my rent|train my puppy|save for retirement|make friends in a new city|"
        "stay motivated|write a good CV}",
        "{write|draft|compose} {a poem|a story|an email|a letter|a speech|a product description|"
        "a tweet|a blog post|a toast|song lyrics|a review|a text message} {about|for} "
        "{my grandmother|a rainy day|our new coffee machine|the summer holidays|my team|"
        "a lost cat|my neighbour|a job offer}",
        "{give me|tell me|recommend|suggest} {a recipe for lasagna|a joke|a good book|a movie|"
        "a fun fact about sharks|tips for studying|some advice on dating|a name for my dog|"
        "ideas for a date night|a quote about friendship}",
        "{will|can|should|do} {AI image generators|AI art tools|text-to-image models|AI pictures} "
        "{replace artists|be copyrighted|be used commercially|steal from artists|"
        "be good enough for book covers}",
        "{convert|calculate|how much is} {20 euros in dollars|100 fahrenheit to celsius|"
        "15 percent of 80|3 cups in grams|the tip on a 45 dollar bill}",
        "{schreib|schreibe|verfasse} {ein Gedicht|eine Geschichte|eine E-Mail|einen Brief|"
        "eine Rede|einen Blogartikel|einen Songtext} {über|für} {meine Oma|einen Regentag|"
        "den Sommerurlaub|mein Team|eine verlorene Katze}",
        "{gib mir|erzähl mir|empfiehl mir} {ein Rezept für Lasagne|einen Witz|ein gutes Buch|"
        "einen Film|Tipps zum Lernen|einen Namen für meinen Hund|einen Spruch über Freundschaft}",
        "{wie kann ich|wie|was ist der beste Weg, um} {ein Ei kochen|schneller einschlafen|"
        "Tomaten anbauen|einen Rotweinfleck entfernen|meinen Hund erziehen|für die Rente sparen}",
        "{écris|rédige} {un poème|une histoire|un e-mail|une lettre|un discours|un article de blog|"
        "une chanson} {sur|pour} {ma grand-mère|un jour de pluie|les vacances d'été|mon équipe|"
        "un chat perdu}",
        "{donne-moi|raconte-moi|recommande-moi|conseille-moi} {une recette de lasagnes|une blague|"
        "un bon livre|un film|des astuces pour réviser|un nom pour mon chien|"
        "une citation sur l'amitié}",
        "comment {cuire un œuf|m'endormir plus vite|faire pousser des tomates|"
        "enlever une tache de vin|éduquer mon chiot|épargner pour la retraite}",
        "{escribe|redacta} {un poema|una historia|un correo|una carta|un discurso|"
        "un artículo de blog|una canción} {sobre|para} {mi abuela|un día de lluvia|"
        "las vacaciones de verano|mi equipo|un gato perdido}",
        "{dame|cuéntame|recomiéndame} {una receta de lasaña|un chiste|un buen libro|una película|"
        "consejos para estudiar|un nombre para mi perro|una frase sobre la amistad}",
        "cómo {cocer un huevo|dormir más rápido|cultivar tomates|quitar una mancha de vino|"
        "educar a mi cachorro|ahorrar para la jubilación}",
        "{scrivi|componi} {una poesia|una storia|una mail|una lettera|un discorso|un articolo|"
        "una canzone} {su|per} {mia nonna|una giornata di pioggia|le vacanze estive|"
        "il mio team|un gatto smarrito}",
        "{dammi|raccontami|consigliami} {una ricetta per le lasagne|una barzelletta|un buon libro|"
        "un film|consigli per studiare|un nome per il mio cane|una frase sull'amicizia}",
        "come {cuocere un uovo|addormentarmi prima|coltivare i pomodori|"
        "togliere una macchia di vino|educare il mio cucciolo|risparmiare per la pensione}",
        "{escreva|redija} {um poema|uma história|um e-mail|uma carta|um discurso|"
        "um artigo de blog|uma música} {sobre|para} {a minha avó|um dia de chuva|"
        "as férias de verão|a minha equipe|um gato perdido}",
        "{me dê|me conte|me recomende} {uma receita de lasanha|uma piada|um bom livro|um filme|"
        "dicas para estudar|um nome para o meu cachorro|uma frase sobre amizade}",
        "como {cozinhar um ovo|dormir mais rápido|plantar tomates|tirar uma mancha de vinho|"
        "adestrar meu cachorro|poupar para a aposentadoria}",
        "{schrijf|maak} {een gedicht|een verhaal|een e-mail|een brief|een toespraak|"
        "een blogartikel|een liedje} {over|voor} {mijn oma|een regenachtige dag|"
        "de zomervakantie|mijn team|een verloren kat}",
        "{geef me|vertel me|raad me aan} {een recept voor lasagne|een mop|een goed boek|"
        "een film|tips om te studeren|een naam voor mijn hond|een quote over vriendschap}",
        "hoe {kook ik een ei|val ik sneller in slaap|kweek ik tomaten|verwijder ik een wijnvlek|"
        "voed ik mijn puppy op|spaar ik voor mijn pensioen}",
        "{what is|explain|tell me about|what's the history of|who invented|why is} "
        "{AI art|computer vision|text-to-image AI|web development|a graphical user interface|"
        "software engineering|the app store|photography|oil painting|the computer mouse|"
        "the web browser|open source}",
        "{how do I|how can I|what's the shortcut to} {take a screenshot|switch tabs|"
        "change the wallpaper|open the control panel|clear my cache|install an app} on "
        "{Windows|a Mac|my iPhone|Android|Linux|my laptop}",
        "{was ist|erkläre mir|erzähl mir etwas über|wer hat erfunden} {KI-Kunst|Computer Vision|"
        "Webentwicklung|eine grafische Benutzeroberfläche|Fotografie|die Ölmalerei}",
        "{qu'est-ce que|explique-moi|parle-moi de|qui a inventé} {l'art numérique|"
        "la vision par ordinateur|le développement web|la photographie|la peinture à l'huile}",
        "{qué es|explícame|háblame de|quién inventó} {el arte con IA|la visión por computadora|"
        "el desarrollo web|la fotografía|la pintura al óleo}",
        "{cos'è|spiegami|parlami di|chi ha inventato} {l'arte con l'IA|la visione artificiale|"
        "lo sviluppo web|la fotografia|la pittura a olio}",
        "{o que é|explique|fale sobre|quem inventou} {a arte com IA|a visão computacional|"
        "o desenvolvimento web|a fotografia|a pintura a óleo}",
        "{wat is|leg uit|vertel over|wie heeft uitgevonden} {AI-kunst|computervisie|"
        "webontwikkeling|fotografie|olieverf}",
    ),
}


def template_samples() -> list[tuple[str, str]]:
    """(text, intent) pairs drawn from :data:`GRIDS`, the same on every call."""
    rng = random.Random(_SEED)
    return [
        (text, intent)
        for intent, grids in GRIDS.items()
        for grid in grids
        for text in expand(grid, SAMPLES_PER_GRID, rng)
    ]
